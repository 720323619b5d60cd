/**
 * `lifeboat remote …`: off-site copies of the vault in restic repositories (a local path, S3, SFTP).
 * `add`, `list`, `remove` edit the config; `sync`, `snapshots`, `restore`, `check` (remote-transfer.ts)
 * talk to the repository. Thin: the work is in src/vault/remote.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configPath, loadConfig, updateConfig } from '../../config/config.js';
import type { LifeboatConfig, RemoteSettings, RetentionSettings } from '../../config/schema.js';
import {
  defaultPasswordFile,
  normaliseRepositoryUrl,
  openOrInitRepository,
  readEnvFile,
  REMOTE_NAME,
  removePasswordFile,
  resolveRemote,
  writePasswordFile,
} from '../../vault/remote/index.js';
import { validatePolicy } from '../../vault/retention.js';
import { LifeboatError } from '../../util/errors.js';
import { formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { readPassword } from '../password.js';
import { parseWholeNumber, UsageError } from './parse.js';
import { registerRemoteTransferCommands } from './remote-transfer.js';

const RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

interface AddOptions extends GlobalOptions {
  readonly passwordFile?: string;
  readonly envFile?: string;
  readonly [key: string]: unknown;
}

function retentionFromOptions(options: Readonly<Record<string, unknown>>): RetentionSettings | undefined {
  const policy: Record<string, number> = {};
  for (const rule of RULES) {
    const value = options[`keep${rule[0]!.toUpperCase()}${rule.slice(1)}`];
    if (typeof value === 'string') policy[rule] = value === '-1' ? -1 : parseWholeNumber(value, `--keep-${rule}`, 0, 1_000_000);
  }
  if (Object.keys(policy).length === 0) return undefined;
  const problems = validatePolicy(policy);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return policy;
}

function describeRetention(retention: RetentionSettings | undefined): string {
  if (!retention) return 'as each device';
  return RULES.filter((r) => retention[r] !== undefined).map((r) => `${r} ${retention[r]}`).join(', ') || 'keep all';
}

/** Config without a remote: its entry and every policy's mention of it. */
function withoutRemote(config: LifeboatConfig, name: string): LifeboatConfig {
  const remotes = { ...config.remotes };
  delete remotes[name];
  const devices = Object.fromEntries(
    Object.entries(config.devices).map(([udid, d]) => [udid, d.syncRemotes ? { ...d, syncRemotes: d.syncRemotes.filter((r) => r !== name) } : d]),
  );
  return { ...config, remotes, devices, defaults: { ...config.defaults, syncRemotes: config.defaults.syncRemotes.filter((r) => r !== name) } };
}

async function addRemote(name: string, url: string, options: AddOptions): Promise<void> {
  if (!REMOTE_NAME.test(name)) throw new UsageError(`"${name}" is not a usable remote name: letters, digits, "_", "." and "-" (at most 64)`);
  const file = configPath();
  const config = loadConfig(file);
  if (config.remotes[name]) throw new UsageError(`a remote named "${name}" exists already (\`lifeboat remote remove ${name}\` first)`);
  const repository = normaliseRepositoryUrl(url);
  const envFile = options.envFile ? resolve(options.envFile) : undefined;
  if (envFile) readEnvFile(envFile); // fails early, naming the line, before anything is written
  const retention = retentionFromOptions(options);
  const password = await readPassword({
    ...(options.passwordFile ? { file: options.passwordFile } : {}),
    env: 'LIFEBOAT_REMOTE_PASSWORD',
    prompt: `Password of the restic repository for "${name}": `,
    confirm: true,
  });
  const settings: RemoteSettings = { url: repository, ...(envFile ? { envFile } : {}), ...(retention ? { retention } : {}) };
  const passwordFile = defaultPasswordFile(file, name);
  writePasswordFile(passwordFile, password);
  let created: boolean;
  try {
    ({ created } = await openOrInitRepository(resolveRemote({ ...config, remotes: { ...config.remotes, [name]: settings } }, file, name)));
  } catch (error) {
    removePasswordFile(passwordFile); // nothing of a failed add stays behind
    if (error instanceof LifeboatError && error.code === 'REMOTE_WRONG_PASSWORD') {
      throw new LifeboatError(`a restic repository exists at ${repository}, and the password given does not open it`, { code: error.code, hint: 'Give that repository\'s password, or choose another location for a new repository.' });
    }
    throw error;
  }
  updateConfig((current) => ({ ...current, remotes: { ...current.remotes, [name]: settings } }), file);
  if (options.json) return printJson({ remote: name, url: repository, created, passwordFile, envFile: envFile ?? null, retention: retention ?? null });
  printLine(`${created ? 'Created' : 'Opened'} the restic repository ${repository} as remote "${name}".`);
  printLine(`  Its password is in ${passwordFile} (mode 0600). Keep a copy elsewhere: without it the copies cannot be read.`);
  printLine(`  Send the snapshots with \`lifeboat remote sync ${name}\`.`);
}

export function registerRemoteCommands(program: Command): void {
  const remote = program.command('remote').description('off-site copies of the vault in restic repositories (local path, s3:…, sftp:…)');

  const add = remote
    .command('add <name> <url>')
    .description('add a remote (creating the restic repository if there is none); password from --password-file, LIFEBOAT_REMOTE_PASSWORD or a prompt')
    .option('--password-file <file>', 'file holding the repository password (copied to the remote\'s own 0600 file)')
    .option('--env-file <file>', 'KEY=VALUE lines for restic: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SSL_CERT_FILE, …');
  for (const rule of RULES) add.option(`--keep-${rule} <n>`, `remote retention: ${rule === 'last' ? 'the n newest snapshots' : `the newest of each of the last n ${rule === 'daily' ? 'days' : rule.replace(/ly$/, 's')}`} (default: each device's policy)`);
  add.action(async (name: string, url: string, _options: unknown, command: Command) => addRemote(name, url, command.optsWithGlobals<AddOptions>()));

  remote
    .command('list')
    .description('the configured remotes')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const file = configPath();
      const config = loadConfig(file);
      const list = Object.keys(config.remotes)
        .sort()
        .map((name) => {
          const r = resolveRemote(config, file, name);
          return { name, url: r.repository, passwordFile: r.passwordFile, passwordFilePresent: existsSync(r.passwordFile), envFile: r.envFile ?? null, retention: r.settings.retention ?? null };
        });
      if (options.json) return printJson({ remotes: list });
      if (list.length === 0) return printLine('No remotes. Add one with `lifeboat remote add NAME URL`.');
      printLine(formatTable(['NAME', 'URL', 'RETENTION', 'PASSWORD FILE'], list.map((r) => [r.name, r.url, describeRetention(r.retention ?? undefined), `${r.passwordFile}${r.passwordFilePresent ? '' : ' (MISSING)'}`])));
    });

  remote
    .command('remove <name>')
    .description('forget a remote (its repository and the copies in it are left as they are)')
    .action((name: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const file = configPath();
      const config = loadConfig(file);
      const r = resolveRemote(config, file, name);
      updateConfig((current) => withoutRemote(current, name), file);
      // Only the password file Lifeboat made; one the user pointed the config at stays theirs.
      if (r.settings.passwordFile === undefined) removePasswordFile(r.passwordFile);
      if (options.json) return printJson({ removed: name, url: r.repository });
      printLine(`Removed remote "${name}". The repository ${r.repository} and its copies are untouched.`);
    });

  registerRemoteTransferCommands(remote);
}
