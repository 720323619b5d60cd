/**
 * Snapshots opened for reading by the "Inside a backup" pages, kept open between requests so that an
 * encrypted backup's password is asked once: the password is used to unlock the keybag and then
 * dropped; only the opened backup (its keys in memory) is kept, and never leaves the server. At most
 * MAX_OPEN stay open (least recently used closed first); all close with the server.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ContentSource } from '../content/source.js';
import { isSqliteHeader, openBackup, type Backup } from '../format/index.js';
import type { SnapshotRef } from '../vault/local-store.js';
import { WebError } from './errors.js';

export const MAX_OPEN = 3;

export interface OpenedSnapshot {
  readonly backup: Backup;
  readonly source: ContentSource;
}

/** Whether the snapshot's Manifest.db is encrypted (then the password is needed to read anything). */
export function manifestEncrypted(deviceDir: string): boolean {
  const path = join(deviceDir, 'Manifest.db');
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    return !isSqliteHeader(head.subarray(0, readSync(fd, head, 0, 16, 0)));
  } finally {
    closeSync(fd);
  }
}

export class OpenBackups {
  private readonly open = new Map<string, Promise<OpenedSnapshot>>();

  /** The opened snapshot; a 423 (BACKUP_PASSWORD_REQUIRED) when it is encrypted and not unlocked yet. */
  async get(ref: SnapshotRef): Promise<OpenedSnapshot> {
    const key = `${ref.udid}/${ref.id}`;
    const cached = this.open.get(key);
    if (cached) {
      this.open.delete(key);
      this.open.set(key, cached); // most recently used last
      return cached;
    }
    if (manifestEncrypted(ref.deviceDir)) {
      throw new WebError(423, 'this backup is encrypted: enter its password to look inside', 'BACKUP_PASSWORD_REQUIRED');
    }
    return this.remember(key, openBackup(ref.deviceDir));
  }

  /** Opens an encrypted snapshot with its password (a wrong one is a 400 and nothing is kept). */
  async unlock(ref: SnapshotRef, password: string): Promise<void> {
    const key = `${ref.udid}/${ref.id}`;
    if (this.open.has(key)) return;
    await this.remember(key, openBackup(ref.deviceDir, { password }));
  }

  isOpen(ref: SnapshotRef): boolean {
    return this.open.has(`${ref.udid}/${ref.id}`);
  }

  private async remember(key: string, opening: Promise<Backup>): Promise<OpenedSnapshot> {
    const promise = opening.then((backup) => ({ backup, source: new ContentSource(backup) }));
    this.open.set(key, promise);
    try {
      await promise;
    } catch (error) {
      this.open.delete(key);
      throw error;
    }
    while (this.open.size > MAX_OPEN) {
      const [oldest] = this.open.keys();
      if (oldest === undefined) break;
      this.close(oldest);
    }
    return promise;
  }

  /** Forgets a snapshot (before it is removed from the vault). */
  forget(udid: string, id: string): void {
    this.close(`${udid}/${id}`);
  }

  private close(key: string): void {
    const promise = this.open.get(key);
    this.open.delete(key);
    void promise?.then(
      (o) => {
        o.source.close();
        o.backup.close();
      },
      () => undefined,
    );
  }

  closeAll(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }
}
