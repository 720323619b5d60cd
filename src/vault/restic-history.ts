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
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from './errors.js';

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
    this.run(['init'], 'create the history repository');
    return true;
  }

  /** Backs up the folder `dir` (everything in it) as the snapshot `id`; returns the restic snapshot. */
  backup(dir: string, id: string): ResticMarker {
    // --ignore-inode/--ignore-ctime: on these file systems inode numbers and ctimes are not stable, and
    // the staging copy keeps the files' modification times, so unchanged files are not read again.
    const out = this.run(['backup', '--json', '--host', 'lifeboat', '--tag', `${TAG}${id}`, '--ignore-inode', '--ignore-ctime', '.'], `save snapshot ${id} in the history repository`, dir);
    for (const line of out.split('\n').reverse()) {
      if (!line.startsWith('{')) continue;
      const message = JSON.parse(line) as { message_type?: string; snapshot_id?: string };
      if (message.message_type === 'summary' && message.snapshot_id) {
        const full = this.list().find((s) => s.id.startsWith(message.snapshot_id as string));
        if (!full) break;
        return { snapshot: full.id, path: full.path };
      }
    }
    throw new VaultError(`restic did not report the snapshot it made of ${dir}`, { code: 'VAULT_HISTORY_FAILED', retryable: true });
  }

  /** Every restic snapshot with its Lifeboat id (undefined for snapshots not made by Lifeboat). */
  list(): Array<{ id: string; lifeboatId: string | undefined; path: string }> {
    if (!this.exists()) return [];
    const parsed = JSON.parse(this.run(['snapshots', '--json'], 'list the history repository')) as Array<{ id: string; paths?: string[]; tags?: string[] }>;
    return parsed.map((s) => ({ id: s.id, lifeboatId: s.tags?.find((t) => t.startsWith(TAG))?.slice(TAG.length), path: s.paths?.[0] ?? '' }));
  }

  /** Writes snapshot `marker`'s folder to `dest` (which must not exist), atomically by rename. */
  restore(marker: ResticMarker, dest: string): void {
    const temporary = `${dest}.restoring`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    this.run(['restore', marker.snapshot, '--target', temporary], `restore snapshot ${marker.snapshot} from the history repository`);
    // The snapshot was taken of "." inside the folder, so its tree is the folder's contents.
    if (readdirSync(temporary).length === 0) throw new VaultError(`the history repository's snapshot ${marker.snapshot} is empty`, { code: 'VAULT_HISTORY_DAMAGED' });
    renameSync(temporary, dest);
  }

  /** Removes restic snapshots (and, with `prune`, the data only they used). */
  forget(ids: readonly string[], prune: boolean): void {
    if (ids.length === 0 && !prune) return;
    if (ids.length > 0) this.run(['forget', ...ids], 'forget snapshots in the history repository');
    if (prune) this.run(['prune'], 'free the space of forgotten snapshots');
  }

  /** Structural check of the repository (`restic check`); returns restic's complaint, if any. */
  check(): string | undefined {
    try {
      this.run(['check'], 'check the history repository');
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

  private run(args: string[], what: string, cwd?: string): string {
    const env: NodeJS.ProcessEnv = { ...process.env, RESTIC_PASSWORD_FILE: this.passwordFile };
    delete env['RESTIC_PASSWORD'];
    delete env['RESTIC_PASSWORD_COMMAND'];
    delete env['RESTIC_REPOSITORY'];
    const result = spawnSync('restic', ['--repo', this.repo, '--no-cache', '--quiet', ...args], {
      env,
      ...(cwd ? { cwd } : {}),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new VaultError(missing ? 'restic is not installed, and this vault keeps its history in a restic repository' : `could not run restic to ${what}: ${result.error.message}`, {
        code: missing ? 'VAULT_RESTIC_MISSING' : 'VAULT_HISTORY_FAILED',
        ...(missing ? { hint: 'Install restic (Debian/Ubuntu: apt install restic; macOS: brew install restic).' } : {}),
        cause: result.error,
      });
    }
    if (result.status !== 0) {
      const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ');
      throw new VaultError(`restic could not ${what}: ${detail}`, { code: 'VAULT_HISTORY_FAILED', retryable: true });
    }
    return result.stdout;
  }
}
