/**
 * `npm run bench -- <suite> [args]`: benchmarks, each side by side with a peer in the same run,
 * printing ratios (never timed unit tests). Suites: backup (Lifeboat vs idevicebackup2 against the
 * same virtual iPhone: large files, 100,000 small files, no-change and 1 % incrementals), read (decrypt
 * vs openssl, Manifest.db listing, message export), vault (30 daily snapshots: disk, time, verify).
 */
import { benchBackup } from './backup.js';
import { benchRead } from './read.js';
import { benchVault } from './vault.js';

const suites: Record<string, (args: string[]) => Promise<void>> = {
  backup: benchBackup,
  read: benchRead,
  vault: benchVault,
};

const [name, ...args] = process.argv.slice(2);
const chosen = name ? suites[name] : undefined;
if (!chosen) {
  process.stderr.write(`usage: npm run bench -- <suite> [args]; suites: ${Object.keys(suites).join(', ')}\n`);
  process.exitCode = 2;
} else {
  await chosen(args);
}
