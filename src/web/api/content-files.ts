/**
 * Files out of a snapshot, for the browser:
 *   GET …/file?domain=&path=        a photo original or a message attachment (only those two places)
 *   GET …/export?type=&format=      one data type exported with src/content, as a .tar.gz download
 * Files from the backup are the phone's (untrusted) data: only image types the browser renders are
 * served inline, everything else as a download, always with nosniff and a sandboxing CSP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DATA_TYPES, exportContent, FORMATS, type DataType } from '../../content/export.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import type { RequestContext, Router } from '../http.js';
import type { OpenedSnapshot } from '../open-backups.js';
import { tarStream } from '../tar.js';

type WithSource = <T>(fn: (opened: OpenedSnapshot, rc: RequestContext) => Promise<T> | T) => (rc: RequestContext) => Promise<T>;

/** Where the browser may read files: the camera roll and message attachments, nothing else. */
const READABLE: ReadonlyArray<{ domain: string; prefix: string }> = [
  { domain: 'CameraRollDomain', prefix: 'Media/DCIM/' },
  { domain: 'MediaDomain', prefix: 'Library/SMS/Attachments/' },
];

const INLINE: Readonly<Record<string, string>> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' };

/** Files above this are not served to the browser (a film belongs in an export). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

function asciiName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'file';
}

export function registerContentFileRoutes(router: Router, _ctx: DashboardContext, base: string, withSource: WithSource): void {
  router.add(
    'GET',
    `${base}/file`,
    withSource(async ({ source }, { url, res }) => {
      const domain = url.searchParams.get('domain') ?? '';
      const path = url.searchParams.get('path') ?? '';
      if (!READABLE.some((r) => r.domain === domain && path.startsWith(r.prefix)) || path.split('/').includes('..')) {
        throw new WebError(403, 'only photos and message attachments can be opened here', 'WEB_FORBIDDEN');
      }
      const entry = source.entry(domain, path);
      if (!entry) throw new WebError(404, 'this backup does not hold that file');
      if (entry.mbFile.size > MAX_FILE_BYTES) throw new WebError(413, 'the file is too large to show here; export it instead', 'WEB_TOO_LARGE');
      const name = path.slice(path.lastIndexOf('/') + 1);
      const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
      const inline = INLINE[ext];
      res.writeHead(200, {
        'Content-Type': inline ?? 'application/octet-stream',
        'Content-Length': entry.mbFile.size,
        'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${asciiName(name)}"`,
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, max-age=3600',
      });
      await pipeline(await source.open(entry), res);
      return undefined;
    }),
  );

  router.add(
    'GET',
    `${base}/export`,
    withSource(async ({ source }, { url, res, params }) => {
      const type = url.searchParams.get('type') ?? '';
      if (!(DATA_TYPES as readonly string[]).includes(type)) throw new WebError(400, `unknown data type "${type}"; choose from ${DATA_TYPES.join(', ')}`);
      const format = url.searchParams.get('format') ?? undefined;
      if (format !== undefined && !FORMATS[type as DataType].includes(format)) throw new WebError(400, `${type} can be exported as ${FORMATS[type as DataType].join(', ')}`);
      // Exports go to a private temp folder (mkdtemp: mode 0700), are streamed, then removed.
      const work = mkdtempSync(join(tmpdir(), 'lifeboat-web-export-'));
      try {
        const out = join(work, 'export');
        const [result] = await exportContent(source, { what: [type as DataType], ...(format ? { formats: [format] } : {}), out });
        if (!result?.exported) throw new WebError(404, result?.reason ?? `this backup holds no ${type}`, 'CONTENT_UNAVAILABLE');
        const top = `lifeboat-${asciiName(params['id'] as string)}-${type}${format ? `-${format}` : ''}`;
        res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Disposition': `attachment; filename="${top}.tar.gz"`, 'Cache-Control': 'no-store' });
        await pipeline(tarStream(out, top), createGzip(), res);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return undefined;
    }),
  );
}
