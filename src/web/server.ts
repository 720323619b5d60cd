/**
 * The dashboard's HTTP server: 127.0.0.1 only, a random token on every request for data (see
 * auth.ts), strict security headers (a Content-Security-Policy that allows only this origin's
 * scripts: the pages have no inline script), and the API routes of src/web/api.
 *
 * `startDashboard` is what `lifeboat serve` and `lifeboat daemon` call; it returns the URL to open
 * (with the token) and a close() that ends event streams, cancels jobs and closes opened backups.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LifeboatConfig } from '../config/schema.js';
import type { UsbmuxClient } from '../protocol/usbmux/client.js';
import { credentialOf, hostAllowed, newToken, sameOrigin, sameSecret, tokenCookie } from './auth.js';
import { createContext, type DashboardContext } from './context.js';
import type { DaemonPort } from './daemon-port.js';
import { WebError } from './errors.js';
import { readJsonBody, Router, sendError, sendJson } from './http.js';
import { registerRoutes } from './routes.js';
import { defaultPublicDir, StaticFiles } from './static.js';

export interface DashboardOptions {
  /** 0 (default): any free port. */
  readonly port?: number;
  readonly token?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly mux?: UsbmuxClient;
  readonly daemon?: DaemonPort;
  readonly now?: () => Date;
  readonly publicDir?: string;
  /** Called with the new config after the Settings page saved it (the daemon then uses it at once). */
  readonly onConfigSaved?: (config: LifeboatConfig) => void;
}

export interface Dashboard {
  /** The URL to open, with the token (treat it as a secret). */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly context: DashboardContext;
  close(): Promise<void>;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self'; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const token = options.token ?? newToken();
  const context = createContext({
    ...(options.env ? { env: options.env } : {}),
    ...(options.mux ? { mux: options.mux } : {}),
    ...(options.daemon ? { daemon: options.daemon } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onConfigSaved ? { onConfigSaved: options.onConfigSaved } : {}),
  });
  const router = new Router();
  registerRoutes(router, context);
  const files = new StaticFiles(options.publicDir ?? defaultPublicDir(), process.env['LIFEBOAT_WEB_LIVE'] === '1');
  let port = 0;
  const server: Server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a hostile name resolving to 127.0.0.1 still carries its own Host header.
    if (!hostAllowed(req, port)) throw new WebError(403, 'unknown Host: open the dashboard at 127.0.0.1', 'WEB_BAD_HOST');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') throw new WebError(405, `${method} is not allowed`, 'WEB_METHOD_NOT_ALLOWED');
    if (url.pathname.startsWith('/assets/') && method !== 'POST') {
      // Scripts and styles hold no data; they load without the token.
      if (!files.serveAsset(url.pathname.slice('/assets/'.length), res)) throw new WebError(404, `no asset ${url.pathname}`);
      return;
    }
    const credential = credentialOf(req, token, port);
    if (url.pathname === '/' && method !== 'POST') {
      const offered = url.searchParams.get('token');
      if (offered !== null) {
        // Move the token from the address bar (and history) into an HttpOnly cookie.
        if (!sameSecret(offered, token)) return unauthorizedPage(res);
        res.writeHead(303, { Location: '/', 'Set-Cookie': tokenCookie(port, token), 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      if (!credential) return unauthorizedPage(res);
      files.servePage(res);
      return;
    }
    if (!credential) throw new WebError(401, 'this dashboard needs its token: open the URL that `lifeboat serve` printed', 'WEB_UNAUTHORIZED');
    if (method === 'POST' && !sameOrigin(req, port, credential)) {
      throw new WebError(403, 'refused: a change must come from the dashboard page itself', 'WEB_CROSS_ORIGIN');
    }
    const match = router.match(method === 'HEAD' ? 'GET' : method, url.pathname);
    if (!match) throw new WebError(404, `nothing at ${url.pathname}`);
    let parsed: Promise<Record<string, unknown>> | undefined;
    const result = await match.handler({ req, res, url, params: match.params, body: () => (parsed ??= method === 'POST' ? readJsonBody(req) : Promise.resolve({})) });
    if (result !== undefined) sendJson(res, 200, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    context,
    async close() {
      context.jobs.cancelAll();
      await context.jobs.idle();
      context.backups.closeAll();
      server.closeAllConnections();
      await context.deviceEvents.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function unauthorizedPage(res: ServerResponse): void {
  const body =
    '<!doctype html><meta charset="utf-8"><title>Lifeboat</title><link rel="stylesheet" href="/assets/app.css">' +
    '<main class="locked"><h1>Lifeboat</h1><p>This dashboard needs its key. Open the link that <code>lifeboat serve</code> ' +
    '(or <code>lifeboat daemon</code>) printed in the terminal — it ends in <code>?token=…</code>.</p></main>';
  res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}
