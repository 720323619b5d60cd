/**
 * A folder as a tar stream (gzipped by the caller) (POSIX ustar, with a PAX header for names longer than ustar
 * holds) — how the dashboard hands over an export as one download. Only regular files and folders are
 * written; names are relative to the folder, so nothing outside it can appear in the archive.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: number, type: '0' | '5' | 'x', mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.floor(mtime), 12), 136);
  h.write('        ', 148); // checksum field counts as spaces while summing
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A PAX record "<len> path=<name>\n", whose length counts its own digits. */
function paxPath(name: string): Buffer {
  const body = ` path=${name}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function* entries(root: string, prefix: string): Generator<{ path: string; name: string; dir: boolean }> {
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      yield { path: join(root, name), name: `${name}/`, dir: true };
      yield* entries(root, name);
    } else if (entry.isFile()) yield { path: join(root, name), name, dir: false };
  }
}

async function* tarChunks(root: string, top: string): AsyncGenerator<Buffer> {
  for (const entry of entries(root, '')) {
    const name = `${top}/${entry.name}`;
    const stat = statSync(entry.path);
    if (Buffer.byteLength(name) > 100) {
      const pax = paxPath(name);
      yield header('PaxHeader', pax.length, stat.mtimeMs / 1000, 'x', 0o644);
      yield Buffer.concat([pax, padding(pax.length)]);
    }
    if (entry.dir) {
      yield header(name, 0, stat.mtimeMs / 1000, '5', 0o755);
      continue;
    }
    yield header(name, stat.size, stat.mtimeMs / 1000, '0', 0o644);
    for await (const chunk of createReadStream(entry.path)) yield chunk as Buffer;
    yield padding(stat.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** `root`'s files under the top folder name `top`, as an uncompressed tar stream. */
export function tarStream(root: string, top: string): Readable {
  return Readable.from(tarChunks(root, top));
}
