/** Small reads the restore command needs before it asks for a password. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlistDict, readManifest } from '../../format/index.js';

export function readManifestEncrypted(folder: string): boolean {
  try {
    return readManifest(parsePlistDict(readFileSync(join(folder, 'Manifest.plist')), 'Manifest.plist')).isEncrypted;
  } catch {
    return false; // the restore itself reports a damaged folder clearly
  }
}
