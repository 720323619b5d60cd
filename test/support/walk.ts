/** Every regular file under a folder (relative paths, '/'-separated), for checking what exports wrote. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function walkFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walkFiles(root, path));
    else out.push(path);
  }
  return out.sort();
}
