/**
 * What a domain name and a relative path may look like when a host writes to the phone (restore).
 *
 * A relative path is '/'-separated, not absolute, with no empty, "." or ".." segment, no NUL byte, each
 * segment at most 255 UTF-8 bytes (NAME_MAX) and the whole at most 1,024 bytes (PATH_MAX) — the limits of
 * the phone's file system. The empty path means the domain's root directory and is only accepted where
 * a directory is meant. A domain is a backup domain name such as HomeDomain or AppDomain-<bundle id>.
 * Why so strict: a restore stream is untrusted input, and the overlay stores what it is given.
 */
import { SimDataError } from './errors.js';

// HomeDomain, AppDomain-…, and the suffixed families AppDomainGroup-… and AppDomainPlugin-….
const DOMAIN = /^[A-Z][A-Za-z]*Domain(Group|Plugin)?(-[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
export const NAME_MAX = 255;
export const PATH_MAX = 1024;

function bad(message: string): SimDataError {
  return new SimDataError(message, { code: 'SIM_DATA_BAD_PATH', hint: 'Give a relative path like "Library/Preferences/com.example.plist" inside a domain like "HomeDomain"' });
}

export function checkDomain(domain: string): void {
  if (typeof domain !== 'string' || !DOMAIN.test(domain) || Buffer.byteLength(domain, 'utf8') > NAME_MAX) {
    throw bad(`"${String(domain).slice(0, 80)}" is not a backup domain name (expected e.g. HomeDomain or AppDomain-com.example.app)`);
  }
}

export function checkRelativePath(path: string, allowRoot: boolean): void {
  if (typeof path !== 'string') throw bad('the relative path is not a string');
  if (path.includes('\0')) throw bad(`relative path ${JSON.stringify(path.slice(0, 80))} contains a NUL byte`);
  if (path === '') {
    if (allowRoot) return;
    throw bad('the relative path is empty (the domain root is a directory, not a file)');
  }
  if (path.startsWith('/')) throw bad(`relative path "${path.slice(0, 80)}" is absolute; paths are relative to the domain root`);
  if (Buffer.byteLength(path, 'utf8') > PATH_MAX) throw bad(`relative path "${path.slice(0, 60)}…" is longer than ${PATH_MAX} bytes`);
  for (const segment of path.split('/')) {
    if (segment === '') throw bad(`relative path "${path.slice(0, 80)}" has an empty segment (a trailing or doubled "/")`);
    if (segment === '.' || segment === '..') throw bad(`relative path "${path.slice(0, 80)}" contains a "${segment}" segment`);
    if (Buffer.byteLength(segment, 'utf8') > NAME_MAX) throw bad(`a name in relative path "${path.slice(0, 60)}…" is longer than ${NAME_MAX} bytes`);
  }
}

/** Parent directories of `path`, nearest last: "a/b/c" → ['', 'a', 'a/b']. */
export function ancestors(path: string): string[] {
  if (path === '') return [];
  const parts = path.split('/');
  const out = [''];
  for (let n = 1; n < parts.length; n++) out.push(parts.slice(0, n).join('/'));
  return out;
}
