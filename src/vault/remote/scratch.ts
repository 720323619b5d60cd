/**
 * Where a remote snapshot lands before it is restored to a device: a private folder on the vault's
 * file system (where the space is), `<vault>/remote-restores/<pid>-<random>`. Folders left by a
 * process that died mid-restore can be gigabytes, so each new one first removes those.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../util/process-alive.js';

export interface RestoreScratch {
  readonly dir: string;
  dispose(): void;
}

export function openRestoreScratch(vaultRoot: string): RestoreScratch {
  const parent = join(vaultRoot, 'remote-restores');
  removeAbandoned(parent);
  const dir = join(parent, `${process.pid}-${randomBytes(6).toString('hex')}`);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function removeAbandoned(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return; // none yet
  }
  for (const name of names) {
    const owner = /^(\d+)-/.exec(name)?.[1];
    if (owner === undefined) continue; // not one of ours: never delete what we did not make
    const pid = Number(owner);
    // This process's own folders belong to restores still running here (the dashboard runs several).
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}
