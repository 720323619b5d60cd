/**
 * History in a local restic repository, for vaults on a file system without hard links (exFAT, FAT32,
 * many SMB shares), where every snapshot as a full folder would cost a full copy. restic deduplicates
 * by content chunks, so each snapshot costs about what changed.
 *
 * Nouns: the *history repository* is `devices/<UDID>/history.restic`; every committed snapshot is also
 * a restic snapshot tagged `lifeboat-snapshot=<id>`, taken of the staging folder just before it is
 * renamed into snapshots/ — so the restic snapshot's path is that staging folder, recorded in the
 * snapshot's `lifeboat-restic.json` for restoring.
 *
 * The repository password is random, kept in `history.restic.password` beside it: this repository is a
 * storage format, not a security boundary (the backups' own encryption protects their content), and
 * the vault must stay readable when its disk moves to another computer. It reaches restic through
 * RESTIC_PASSWORD_FILE in the child's environment, never argv.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from './errors.js';
import { resticErrorDetail, runResticSync, type ResticFailure, type ResticOptions } from './restic-runner.js';

export const RESTIC_MARKER = 'lifeboat-restic.json';
const TAG = 'lifeboat-snapshot=';

export interface ResticMarker {
  /** The restic snapshot id (full). */
  readonly snapshot: string;
  /** The absolute path restic recorded (the staging folder at commit time); its contents are the snapshot's root. */
  readonly path: string;
}

export class ResticHistory {
  readonly repo: string;
  readonly passwordFile: string;

  constructor(deviceRoot: string) {
    this.repo = join(deviceRoot, 'history.restic');
    this.passwordFile = join(deviceRoot, 'history.restic.password');
  }

  exists(): boolean {
    return existsSync(join(this.repo, 'config'));
  }

  /** Creates the repository when missing; true when it was created now. */
  ensure(): boolean {
    if (this.exists()) return false;
    if (!existsSync(this.passwordFile)) writeFileSync(this.passwordFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    rmSync(this.repo, { recursive: true, force: true }); // a half-made repository from a crash
    this.run(['init'], { what: 'create the history repository' });
    return true;
  }

  /** Backs up the folder `dir` (everything in it) as the snapshot `id`; returns the restic snapshot. */
  backup(dir: string, id: string): ResticMarker {
    // --ignore-inode/--ignore-ctime: on these file systems inode numbers and ctimes are not stable, and
    // the staging copy keeps the files' modification times, so unchanged files are not read again.
    let shortId: string | undefined;
    this.run(['backup', '--json', '--host', 'lifeboat', '--tag', `${TAG}${id}`, '--ignore-inode', '--ignore-ctime', '.'], {
      what: `save snapshot ${id} in the history repository`,
      cwd: dir,
      onJson: (message) => {
        if (message['message_type'] === 'summary' && typeof message['snapshot_id'] === 'string') shortId = message['snapshot_id'];
      },
    });
    const full = shortId === undefined ? undefined : this.list().find((s) => s.id.startsWith(shortId as string));
    if (full) return { snapshot: full.id, path: full.path };
    throw new VaultError(`restic did not report the snapshot it made of ${dir}`, { code: 'VAULT_HISTORY_FAILED', retryable: true });
  }

  /** Every restic snapshot with its Lifeboat id (undefined for snapshots not made by Lifeboat). */
  list(): Array<{ id: string; lifeboatId: string | undefined; path: string }> {
    if (!this.exists()) return [];
    const parsed = JSON.parse(this.run(['snapshots', '--json'], { what: 'list the history repository' }).stdout) as Array<{ id: string; paths?: string[]; tags?: string[] }>;
    return parsed.map((s) => ({ id: s.id, lifeboatId: s.tags?.find((t) => t.startsWith(TAG))?.slice(TAG.length), path: s.paths?.[0] ?? '' }));
  }

  /** Writes snapshot `marker`'s folder to `dest` (which must not exist), atomically by rename. */
  restore(marker: ResticMarker, dest: string): void {
    const temporary = `${dest}.restoring`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    this.run(['restore', marker.snapshot, '--target', temporary], { what: `restore snapshot ${marker.snapshot} from the history repository` });
    // The snapshot was taken of "." inside the folder, so its tree is the folder's contents.
    if (readdirSync(temporary).length === 0) throw new VaultError(`the history repository's snapshot ${marker.snapshot} is empty`, { code: 'VAULT_HISTORY_DAMAGED' });
    renameSync(temporary, dest);
  }

  /** Removes restic snapshots (and, with `prune`, the data only they used). */
  forget(ids: readonly string[], prune: boolean): void {
    if (ids.length === 0 && !prune) return;
    if (ids.length > 0) this.run(['forget', ...ids], { what: 'forget snapshots in the history repository' });
    if (prune) this.run(['prune'], { what: 'free the space of forgotten snapshots' });
  }

  /** Structural check of the repository (`restic check`); returns restic's complaint, if any. */
  check(): string | undefined {
    try {
      this.run(['check'], { what: 'check the history repository' });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** Bytes the repository takes (its files' sizes). */
  size(): number {
    let total = 0;
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.isFile()) total += statSync(join(dir, entry.name)).size;
      }
    };
    if (existsSync(this.repo)) walk(this.repo);
    return total;
  }

  private run(args: readonly string[], options: ResticOptions): { stdout: string } {
    return runResticSync({ repository: this.repo, passwordFile: this.passwordFile }, ['--no-cache', '--quiet', ...args], options, historyFailure);
  }
}

/** The vault's error for a failed run against a history repository. */
function historyFailure(failure: ResticFailure, what: string): VaultError {
  switch (failure.kind) {
    case 'missing':
      return new VaultError('restic is not installed, and this vault keeps its history in a restic repository', {
        code: 'VAULT_RESTIC_MISSING',
        hint: 'Install restic (Debian/Ubuntu: apt install restic; macOS: brew install restic).',
      });
    case 'cannot-start':
      return new VaultError(`could not run restic to ${what}: ${failure.error.message}`, { code: 'VAULT_HISTORY_FAILED', cause: failure.error });
    case 'aborted':
    case 'failed': {
      const detail = failure.kind === 'failed' ? resticErrorDetail(failure.stderr) || `exit code ${failure.exitCode ?? failure.signal ?? '?'}` : 'stopped';
      return new VaultError(`restic could not ${what}: ${detail}`, { code: 'VAULT_HISTORY_FAILED', retryable: true });
    }
  }
}
