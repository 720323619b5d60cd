/**
 * `npm run bench -- read`: the backup reader side by side with peers, in one run.
 *
 *  1. Decrypting a ≥ 1 GB encrypted backup (every file through openBackup().openFile()) vs
 *     `openssl enc -d -aes-256-cbc -nopad` over the same blobs with the same keys (target ≥ 80 %).
 *  2. Listing a 100,000-row Manifest.db (open + every row with its MBFile decoded) vs the sqlite3 CLI
 *     selecting the same rows without decoding.
 *  3. Exporting 100,000 messages (HTML per conversation + CSV + JSON) from an sms.db in the iOS schema.
 * Peak RSS is sampled during each step. Options: --gb N (default 1), --rows N, --messages N, --keep.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportMeter } from '../src/content/common/progress.js';
import { exportMessages } from '../src/content/messages/export.js';
import { ContentSource } from '../src/content/source.js';
import { openBackup, unlockKeybag, unwrapFileKey } from '../src/format/index.js';
import { BENCH_PASSWORD, buildEncryptedBackup, buildLargeManifest, buildMessagesBackup, DEVICE } from './read-fixtures.js';

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number`);
  return value;
}

/** Runs `f`, sampling RSS every 20 ms; returns seconds and the peak RSS seen (MB). */
async function measure<T>(f: () => Promise<T> | T): Promise<{ seconds: number; peakMb: number; value: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = process.hrtime.bigint();
  try {
    const value = await f();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, peakMb: peak / 1e6, value };
  } finally {
    clearInterval(timer);
  }
}

const mbps = (bytes: number, seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`;

export async function benchRead(args: string[]): Promise<void> {
  const gb = option(args, '--gb', 1);
  const rows = option(args, '--rows', 100_000);
  const messages = option(args, '--messages', 100_000);
  const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-read-'));
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    say(`# read benchmark — ${new Date().toISOString()}, Node ${process.version}, ${spawnSync('openssl', ['version']).stdout?.toString().trim() ?? 'no openssl'}`);
    say('');
    say('| step | Lifeboat | peer | ratio | peak RSS (Lifeboat) |');
    say('|---|---|---|---|---|');

    // 1. Decryption.
    const fileBytes = 64 * 1024 * 1024;
    const count = Math.ceil((gb * 1024 ** 3) / fileBytes);
    const encDir = join(work, 'encrypted', DEVICE.udid);
    process.stderr.write(`building an encrypted backup of ${count} × 64 MiB…\n`);
    await buildEncryptedBackup(encDir, count, fileBytes);
    const backup = await openBackup(encDir, { password: BENCH_PASSWORD });
    const entries = [...backup.files({ flags: 1 })];
    const total = entries.reduce((s, e) => s + e.mbFile.size, 0);
    const drain = async (): Promise<number> => {
      let n = 0;
      for (const e of entries) for await (const chunk of await backup.openFile(e)) n += (chunk as Buffer).length;
      return n;
    };
    await drain(); // warm the page cache for both sides
    const ours = await measure(drain);
    if (ours.value !== total) throw new Error(`decrypted ${ours.value} bytes, expected ${total}`);
    // The same file keys the reader uses, unwrapped with the cached derived key (no second KDF).
    const { classKeys } = await unlockKeybag(backup.manifest.backupKeyBag as Buffer, { derivedKey: backup.derivedKey as Buffer });
    const keys = entries.map((e) => ({ blob: backup.blobPath(e), key: unwrapFileKey(e.mbFile, classKeys).toString('hex') }));
    const peer = await measure(() => {
      for (const k of keys) {
        const r = spawnSync('openssl', ['enc', '-d', '-aes-256-cbc', '-nopad', '-K', k.key, '-iv', '0'.repeat(32), '-in', k.blob, '-out', '/dev/null']);
        if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
      }
    });
    backup.close();
    say(`| decrypt ${(total / 1e9).toFixed(2)} GB encrypted backup (${count} files) | ${mbps(total, ours.seconds)} (${ours.seconds.toFixed(2)} s) | openssl enc -d: ${mbps(total, peer.seconds)} (${peer.seconds.toFixed(2)} s) | ${((peer.seconds / ours.seconds) * 100).toFixed(0)} % of openssl | ${ours.peakMb.toFixed(0)} MB |`);
    rmSync(join(work, 'encrypted'), { recursive: true, force: true });

    // 2. Listing.
    const listDir = join(work, 'list');
    process.stderr.write(`building a ${rows}-row Manifest.db…\n`);
    buildLargeManifest(listDir, rows);
    const list = await measure(async () => {
      const b = await openBackup(listDir);
      let n = 0;
      let bytes = 0;
      for (const e of b.files()) {
        n++;
        bytes += e.mbFile.size;
      }
      b.close();
      return { n, bytes };
    });
    if (list.value.n !== rows) throw new Error(`listed ${list.value.n} rows`);
    const sqlite = await measure(() => spawnSync('sqlite3', [join(listDir, 'Manifest.db'), 'SELECT fileID, domain, relativePath, flags, length(file) FROM Files'], { maxBuffer: 1 << 30 }));
    const peerText = sqlite.value.status === 0 ? `sqlite3 CLI (no MBFile decode): ${sqlite.seconds.toFixed(2)} s` : 'sqlite3 not installed';
    say(`| list ${rows.toLocaleString('en-US')}-row Manifest.db (open + decode every MBFile) | ${list.seconds.toFixed(2)} s (${Math.round(rows / list.seconds).toLocaleString('en-US')} rows/s) | ${peerText} | ${sqlite.value.status === 0 ? `${(list.seconds / sqlite.seconds).toFixed(1)}× the time` : '—'} | ${list.peakMb.toFixed(0)} MB |`);

    // 3. Export of messages.
    const msgDir = join(work, 'messages', DEVICE.udid);
    process.stderr.write(`building an sms.db with ${messages} messages…\n`);
    mkdirSync(join(work, 'messages'), { recursive: true });
    await buildMessagesBackup(work, msgDir, messages);
    const out = join(work, 'export');
    mkdirSync(out);
    const exported = await measure(async () => {
      const b = await openBackup(msgDir);
      const source = new ContentSource(b);
      try {
        return await exportMessages(source, out, new Set(['html', 'csv', 'json']), new ExportMeter(undefined, 'messages', undefined));
      } finally {
        source.close();
        b.close();
      }
    });
    if (exported.value?.messages !== messages) throw new Error(`exported ${exported.value?.messages} messages`);
    const dump = await measure(() => spawnSync('sqlite3', ['-csv', join(work, 'sms.db'), 'SELECT m.guid, m.date, m.is_from_me, m.text FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id ORDER BY j.chat_id, j.message_date'], { maxBuffer: 1 << 30 }));
    say(`| export ${messages.toLocaleString('en-US')} messages (HTML per chat + CSV + JSON) | ${exported.seconds.toFixed(2)} s (${Math.round(messages / exported.seconds).toLocaleString('en-US')} msg/s) | sqlite3 -csv dump of the same rows: ${dump.seconds.toFixed(2)} s | — | ${exported.peakMb.toFixed(0)} MB |`);
    say('');
    say(`Process peak RSS over the whole run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB.`);
  } finally {
    if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`kept ${work}\n`);
  }
}
