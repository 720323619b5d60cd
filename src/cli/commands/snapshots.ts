/**
 * The vault's commands: `snapshots` (what is kept), `du` (what it costs on disk), `verify` (is it
 * intact) and `forget` (retention). Thin: the work is in src/vault.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configuredVaultRoot } from '../../config/config.js';
import { applyForget, planForget } from '../../vault/forget.js';
import { LocalSnapshotStore, type SnapshotRef } from '../../vault/local-store.js';
import { validatePolicy, type RetentionPolicy } from '../../vault/retention.js';
import { vaultUsage } from '../../vault/usage.js';
import { VERIFIED_FILE, verifyStored, type VerifyReport } from '../../vault/verify.js';
import { LifeboatError } from '../../util/errors.js';
import { formatBytes, formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { UsageError, parseWholeNumber } from './parse.js';

interface VaultOptions extends GlobalOptions {
  readonly udid?: string;
}

export function storeDevices(store: LocalSnapshotStore): string[] {
  const dir = join(store.root, 'devices');
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9A-Fa-f-]{24,40}$/.test(name)).sort() : [];
}

function verifiedAt(ref: SnapshotRef): { at: string; ok: boolean } | undefined {
  try {
    const json = JSON.parse(readFileSync(join(ref.backupDir, VERIFIED_FILE), 'utf8')) as { verifiedAt: string; ok: boolean };
    return { at: json.verifiedAt, ok: json.ok };
  } catch {
    return undefined;
  }
}

function describeSnapshot(ref: SnapshotRef): Record<string, unknown> {
  const meta = ref.meta;
  const verified = verifiedAt(ref);
  return {
    id: ref.id,
    udid: ref.udid,
    time: meta?.createdAt ?? null,
    folder: ref.heldIn === 'folder' ? ref.deviceDir : null,
    heldIn: ref.heldIn,
    files: meta?.files ?? null,
    logicalBytes: meta?.logicalBytes ?? null,
    newBytes: meta?.newBytes ?? null,
    encrypted: meta?.encrypted ?? null,
    full: meta?.full ?? null,
    productVersion: meta?.productVersion ?? null,
    verifiedAt: verified?.at ?? null,
    verifiedOk: verified?.ok ?? null,
  };
}

export function registerVaultCommands(program: Command): void {
  const store = (): LocalSnapshotStore => new LocalSnapshotStore(configuredVaultRoot());
  const devices = (s: LocalSnapshotStore, udid: string | undefined): string[] => (udid ? [udid] : storeDevices(s));

  program
    .command('snapshots')
    .description('list the snapshots in the vault: time, size, new bytes, files, encryption, iOS, verified')
    .option('-u, --udid <udid>', 'only this device')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<VaultOptions>();
      const s = store();
      const list = devices(s, options.udid).flatMap((udid) => s.list(udid)).map(describeSnapshot);
      if (options.json) return printJson({ snapshots: list });
      if (list.length === 0) return printLine('No snapshots yet. Run `lifeboat backup`.');
      printLine(
        formatTable(
          ['SNAPSHOT', 'DEVICE', 'TIME', 'FILES', 'SIZE', 'NEW', 'ENCRYPTED', 'iOS', 'VERIFIED', 'KEPT AS'],
          list.map((x) => [
            String(x['id']),
            String(x['udid']).slice(0, 13),
            x['time'] ? new Date(String(x['time'])).toLocaleString() : '?',
            x['files'] === null ? '?' : String(x['files']),
            x['logicalBytes'] === null ? '?' : formatBytes(Number(x['logicalBytes'])),
            x['newBytes'] === null ? '?' : formatBytes(Number(x['newBytes'])),
            x['encrypted'] ? 'yes' : 'no',
            String(x['productVersion'] ?? '?'),
            x['verifiedAt'] ? `${x['verifiedOk'] ? 'ok' : 'FAILED'} ${new Date(String(x['verifiedAt'])).toLocaleDateString()}` : 'never',
            x['heldIn'] === 'restic' ? 'restic' : 'folder',
          ]),
        ),
      );
      if (list.some((x) => x['heldIn'] === 'restic')) {
        printLine('Snapshots kept as "restic" live in a restic repository because the vault\'s disk cannot hard-link files; they are restored from it when used.');
      }
    });

  program
    .command('du')
    .description('disk use of the vault, with hard-linked files counted once, and the saving over full copies')
    .option('-u, --udid <udid>', 'only this device')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<VaultOptions>();
      const s = store();
      const usage = vaultUsage(s, devices(s, options.udid));
      if (options.json) return printJson(usage);
      for (const d of usage.devices) {
        printLine(`${d.udid}: ${d.snapshots} snapshots, ${formatBytes(d.diskBytes)} on disk for ${formatBytes(d.logicalBytes)} of backups`);
      }
      const saving = usage.logicalBytes > 0 ? 1 - usage.diskBytes / usage.logicalBytes : 0;
      printLine(`Total: ${formatBytes(usage.diskBytes)} on disk, ${formatBytes(usage.logicalBytes)} logical (${(saving * 100).toFixed(0)}% saved by sharing unchanged files)`);
    });

  program
    .command('verify')
    .description('check snapshots for bit rot, missing or truncated files and damaged structure; exit code 1 on any problem')
    .option('-u, --udid <udid>', 'the device (default: every device)')
    .option('--snapshot <id>', 'one snapshot (default: the latest of each device)')
    .option('--all', 'every snapshot')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<VaultOptions & { snapshot?: string; all?: boolean }>();
      const s = store();
      const refs = options.snapshot
        ? devices(s, options.udid).flatMap((udid) => s.list(udid).filter((r) => r.id === options.snapshot))
        : devices(s, options.udid).flatMap((udid) => (options.all ? s.list(udid) : s.list(udid).slice(-1)));
      if (refs.length === 0) throw new UsageError(options.snapshot ? `no snapshot ${options.snapshot}` : 'no snapshots to verify');
      const reports: VerifyReport[] = [];
      for (const ref of refs) reports.push(await verifyStored(s, ref));
      if (options.json) printJson({ reports });
      else {
        for (const r of reports) {
          printLine(`${r.snapshot} (${r.udid}): ${r.ok ? 'OK' : `${r.problems.length} PROBLEMS`} — ${r.filesChecked} files, ${formatBytes(r.bytesChecked)} checked`);
          for (const p of r.problems) printLine(`  ${p.kind}: ${p.path} — ${p.detail}`);
          for (const n of r.notes) printLine(`  note: ${n}`);
        }
      }
      if (reports.some((r) => !r.ok)) {
        throw new LifeboatError(`${reports.filter((r) => !r.ok).length} snapshot(s) failed verification`, {
          code: 'VAULT_VERIFY_FAILED',
          hint: 'Make a new backup now (`lifeboat backup --full`), then forget the damaged snapshot.',
        });
      }
    });

  program
    .command('forget')
    .description('remove snapshots by a retention policy (restic semantics); --dry-run shows what would go')
    .option('-u, --udid <udid>', 'only this device')
    .option('--keep-last <n>', 'keep the n newest snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last n hours that have one')
    .option('--keep-daily <n>', 'the same per day')
    .option('--keep-weekly <n>', 'the same per ISO week')
    .option('--keep-monthly <n>', 'the same per month')
    .option('--keep-yearly <n>', 'the same per year')
    .option('--dry-run', 'only show what would be forgotten')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<VaultOptions & Record<string, string | boolean | undefined>>();
      const policy: Record<string, number> = {};
      for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly']) {
        const value = options[`keep${rule[0]!.toUpperCase()}${rule.slice(1)}`];
        if (typeof value === 'string') policy[rule] = value === '-1' ? -1 : parseWholeNumber(value, `--keep-${rule}`, 0, 1_000_000);
      }
      const problems = validatePolicy(policy as RetentionPolicy);
      if (problems.length > 0) throw new UsageError(problems.join('; '));
      if (Object.keys(policy).length === 0) throw new UsageError('give at least one --keep-… rule (forget never removes everything by default)');
      const s = store();
      const plans = devices(s, options.udid).map((udid) => planForget(s, udid, policy as RetentionPolicy));
      const removed = options['dryRun'] ? [] : plans.map((plan) => ({ udid: plan.udid, removed: applyForget(s, plan) }));
      if (options.json) return printJson({ dryRun: options['dryRun'] === true, plans, removed });
      for (const plan of plans) {
        printLine(`${plan.udid}: keep ${plan.keep.length}, ${options['dryRun'] ? 'would forget' : 'forgot'} ${plan.forget.length}`);
        for (const k of plan.keep) printLine(`  keep   ${k.id}  (${k.reasons.join(', ')})`);
        for (const id of plan.forget) printLine(`  forget ${id}`);
      }
    });
}
