/**
 * The dashboard's page, scripts and styles: plain files under src/web/public, served as they are (no
 * bundler, no build step for the browser). Names are checked against a strict pattern before any
 * file-system access, so a request can never name a file outside that folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  html: 'text/html; charset=utf-8',
};

const ASSET_NAME = /^(?:[a-z0-9-]+\/)?[a-z0-9-]+\.(js|css|svg)$/;

/** src/web/public, found from the compiled module (dist/src/web) or beside the source. */
export function defaultPublicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', '..', 'src', 'web', 'public'), join(here, 'public')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? (candidates[0] as string);
}

export class StaticFiles {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly dir: string,
    /** Re-read files on every request (development); otherwise read once. */
    private readonly live = false,
  ) {}

  private read(name: string): Buffer | undefined {
    const cached = this.live ? undefined : this.cache.get(name);
    if (cached) return cached;
    try {
      const bytes = readFileSync(join(this.dir, name));
      if (!this.live) this.cache.set(name, bytes);
      return bytes;
    } catch {
      return undefined;
    }
  }

  /** Serves /assets/<name>; false when there is no such asset. */
  serveAsset(name: string, res: ServerResponse): boolean {
    const m = ASSET_NAME.exec(name);
    if (!m) return false;
    const bytes = this.read(name);
    if (!bytes) return false;
    res.writeHead(200, { 'Content-Type': TYPES[m[1] as string] as string, 'Content-Length': bytes.length, 'Cache-Control': 'no-cache' });
    res.end(bytes);
    return true;
  }

  servePage(res: ServerResponse): void {
    const bytes = this.read('index.html');
    if (!bytes) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`the dashboard's files are missing from ${this.dir}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES['html'] as string, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
    res.end(bytes);
  }
}
