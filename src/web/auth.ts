/**
 * Who may talk to the dashboard. It listens on 127.0.0.1 only, but every local process (and every web
 * page the user visits, through their browser) can reach 127.0.0.1, so:
 *
 * - *Token*: a random 256-bit secret, printed by the CLI inside the URL it opens. Every /api/ request
 *   carries it as `Authorization: Bearer …` or in the cookie set when the page is opened with
 *   `?token=…` (the page then drops it from the address bar). Without it: 401 and nothing happens.
 * - *Host check*: the Host header must name this server (127.0.0.1 / localhost and its port), so a
 *   hostile site cannot reach it through DNS rebinding.
 * - *Same origin*: a state-changing request must be a POST and, when it comes from a browser (Origin or
 *   Sec-Fetch-Site present), come from this origin; a request without either must carry the token in
 *   the Authorization header, which a cross-site page cannot set. The cookie is SameSite=Strict and
 *   HttpOnly besides, so it never travels with another site's request nor reaches scripts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** One cookie per port, so two dashboards on one machine do not overwrite each other's. */
export function cookieName(port: number): string {
  return `lifeboat_token_${port}`;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type Credential = 'bearer' | 'cookie' | undefined;

/** Which valid credential the request carries, if any. */
export function credentialOf(req: IncomingMessage, token: string, port: number): Credential {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), token)) return 'bearer';
  const cookie = readCookie(req.headers.cookie, cookieName(port));
  if (cookie !== undefined && sameSecret(cookie, token)) return 'cookie';
  return undefined;
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  return allowedHosts(port).has((req.headers.host ?? '').toLowerCase());
}

/**
 * Whether a state-changing request comes from this dashboard's own pages (or from a non-browser
 * client holding the token in its Authorization header).
 */
export function sameOrigin(req: IncomingMessage, port: number, credential: Credential): boolean {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== undefined) {
    if (!allowedHosts(port).has(origin.replace(/^http:\/\//, '').toLowerCase()) || !origin.startsWith('http://')) return false;
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  if (origin === undefined && site === undefined) return credential === 'bearer';
  return true;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}
