/**
 * Persistence for the virtual iPhone (`--state-dir`): the simulator's usbmuxd pair records and system
 * BUID, and per device its keys, controllable state and trusted hosts — so pairing survives restarts
 * exactly as it does with a real phone and a real usbmuxd. Without a state dir everything lives in
 * memory. Writes are atomic (temp file, fsync, rename) so a kill never leaves half a file.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileAtomically } from '../src/util/private-file.js';

export interface SimStore {
  read(name: string): Buffer | undefined;
  write(name: string, data: Uint8Array): void;
  remove(name: string): boolean;
}

/** Names are built by the simulator from validated identifiers; this guard keeps it that way. */
function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`sim store: refusing unsafe name "${name}"`);
  }
}

export class DirectoryStore implements SimStore {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  read(name: string): Buffer | undefined {
    checkName(name);
    try {
      return readFileSync(join(this.root, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  write(name: string, data: Uint8Array): void {
    checkName(name);
    writePrivateFileAtomically(join(this.root, name), data);
  }

  remove(name: string): boolean {
    checkName(name);
    const path = join(this.root, name);
    try {
      readFileSync(path);
    } catch {
      return false;
    }
    rmSync(path, { force: true });
    return true;
  }
}

export class MemoryStore implements SimStore {
  private readonly files = new Map<string, Buffer>();

  read(name: string): Buffer | undefined {
    return this.files.get(name);
  }

  write(name: string, data: Uint8Array): void {
    this.files.set(name, Buffer.from(data));
  }

  remove(name: string): boolean {
    return this.files.delete(name);
  }
}
