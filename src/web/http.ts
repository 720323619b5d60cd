/**
 * The small HTTP toolkit of the dashboard (node:http needs little on top): a route table matched by
 * method and a path pattern, JSON bodies read with a size bound, JSON answers with no-store caching,
 * and the mapping of errors to statuses. No framework: the whole surface is a few dozen routes.
 *
 * Nouns: a *route* is (method, pattern, handler); *params* are the pattern's named groups, already
 * URI-decoded; a handler returns a value to send as JSON, or `undefined` after answering itself
 * (streams, files, Server-Sent Events).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LifeboatError, describeError } from '../util/errors.js';
import { WebError } from './errors.js';

export type Method = 'GET' | 'POST';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body of a POST (an object; {} when empty). */
  body(): Promise<Record<string, unknown>>;
}

export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

interface Route {
  readonly method: Method;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

/** JSON bodies larger than this are refused: settings and passwords are tiny. */
export const MAX_BODY_BYTES = 256 * 1024;

export class Router {
  private readonly routes: Route[] = [];

  /** `path` uses `:name` segments, e.g. /api/devices/:udid/snapshots. */
  add(method: Method, path: string, handler: Handler): this {
    const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-zA-Z]+)/g, '(?<$1>[^/]+)');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), handler });
    return this;
  }

  /** The route for (method, path); a path known only for another method is a 405. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    let otherMethod = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        otherMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(m.groups ?? {})) {
        try {
          params[key] = decodeURIComponent(value);
        } catch {
          throw new WebError(400, `malformed path segment "${value}"`);
        }
      }
      return { handler: route.handler, params };
    }
    if (otherMethod) throw new WebError(405, `${method} is not allowed on ${path}`, 'WEB_METHOD_NOT_ALLOWED');
    return undefined;
  }
}

export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new WebError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'WEB_TOO_LARGE'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const value = JSON.parse(text) as unknown;
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject(new WebError(400, 'the request body must be a JSON object'));
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new WebError(400, 'the request body is not valid JSON'));
      }
    });
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Codes of the service layers that mean "you asked for something that is not there / not valid". */
const NOT_FOUND = /^(VAULT_NO_SNAPSHOT|DEVICE_NOT_FOUND|CONTENT_UNAVAILABLE)$/;
const BAD_REQUEST = /^(VAULT_BAD_|CONFIG_INVALID|CONTENT_UNSAFE_PATH|BACKUP_WRONG_PASSWORD|FORMAT_WRONG_PASSWORD|PASSWORD_)/;
const LOCKED = /^(BACKUP_PASSWORD_REQUIRED|FORMAT_PASSWORD_REQUIRED)$/;
const CONFLICT = /LOCKED|BUSY|IN_PROGRESS/;

export function statusFor(error: unknown): number {
  if (error instanceof WebError) return error.status;
  if (error instanceof LifeboatError) {
    if (NOT_FOUND.test(error.code)) return 404;
    if (BAD_REQUEST.test(error.code)) return 400;
    if (LOCKED.test(error.code)) return 423;
    if (CONFLICT.test(error.code)) return 409;
    return 500;
  }
  return 500;
}

export function sendError(res: ServerResponse, error: unknown): void {
  const status = statusFor(error);
  const body =
    error instanceof LifeboatError
      ? { error: { code: error.code, message: error.message, hint: error.hint ?? null } }
      : { error: { code: 'INTERNAL', message: describeError(error), hint: null } };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, body);
}

/** A string field of a JSON body, or a 400 naming it. */
export function stringField(body: Record<string, unknown>, name: string, options: { optional?: boolean; max?: number } = {}): string | undefined {
  const value = body[name];
  if (value === undefined && options.optional) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new WebError(400, `"${name}" must be a non-empty string`);
  if (value.length > (options.max ?? 4096)) throw new WebError(400, `"${name}" is too long`);
  return value;
}
