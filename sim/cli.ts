/**
 * `lifeboat sim`: run the virtual iPhone in the foreground, and read or change its state from another
 * process. Registered into the CLI by the composition root (bin/lifeboat.js), never imported by src/.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { printJson, printLine, type GlobalOptions } from '../src/cli/output.js';
import { parseWholeNumber, UsageError } from '../src/cli/commands/parse.js';
import type { SimDeviceSummary } from './control.js';
import { parseMutation, summarizePhone } from './control.js';
import { simControl } from './control-client.js';
import { createSimLogger } from './log.js';
import { Simulator } from './simulator.js';
import { MuxServer } from './usbmuxd/server.js';
import { DEFAULT_PROFILE, type DataProfile } from './data/index.js';
import { parseByteSize } from './model/units.js';

interface RunOptions extends GlobalOptions {
  readonly socket: string;
  readonly devices: string;
  readonly stateDir?: string;
  readonly autoTrust?: boolean;
  readonly seed: string;
  readonly quiet?: boolean;
  readonly files?: string;
  readonly bytes?: string;
  readonly fastKdf?: boolean;
  readonly blockSize?: string;
  readonly wifiPrefix?: string;
  readonly mdns: boolean;
}

export async function startSimulator(options: {
  socket: string;
  devices: number;
  seed: string;
  stateDir?: string;
  autoTrust: boolean;
  json: boolean;
  quiet?: boolean;
  dataProfile?: DataProfile;
  fastKdf?: boolean;
  blockSize?: number;
  wifiPrefix?: string;
  mdns?: boolean;
}): Promise<{ simulator: Simulator; server: MuxServer }> {
  const logger = createSimLogger({ json: options.json, quiet: options.quiet ?? false });
  const simulator = await Simulator.create({
    devices: options.devices,
    seed: options.seed,
    autoTrust: options.autoTrust,
    logger,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    ...(options.dataProfile ? { dataProfile: options.dataProfile } : {}),
    ...(options.fastKdf ? { fastKdf: true } : {}),
    ...(options.blockSize ? { blockSize: options.blockSize } : {}),
    ...(options.wifiPrefix ? { wifiPrefix: options.wifiPrefix } : {}),
    ...(options.mdns ? { mdns: true } : {}),
  });
  await simulator.networkSettled();
  // A socket file left by a killed simulator would make listen fail with EADDRINUSE.
  if (existsSync(options.socket)) rmSync(options.socket, { force: true });
  const server = new MuxServer(simulator, logger);
  await server.listen({ path: options.socket });
  return { simulator, server };
}

function dataProfileFrom(files: string | undefined, bytes: string | undefined): DataProfile | undefined {
  if (files === undefined && bytes === undefined) return undefined;
  const fileCount = files === undefined ? DEFAULT_PROFILE.files : parseWholeNumber(files, '--files', 10, 10_000_000);
  let byteCount = DEFAULT_PROFILE.bytes;
  if (bytes !== undefined) {
    const parsed = parseByteSize(bytes);
    if ('error' in parsed) throw new UsageError(`--bytes: ${parsed.error}`);
    byteCount = parsed.bytes;
  }
  return { files: fileCount, bytes: byteCount };
}

/** The phones' "Wi-Fi" addresses stay on loopback, so nothing the simulator serves is reachable from a network. */
function parseLoopbackPrefix(text: string): string {
  const parts = text.split('.');
  if (parts.length !== 3 || parts[0] !== '127' || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new UsageError(`--wifi-prefix takes the first three octets of a loopback address, such as 127.0.0 (not "${text}")`);
  }
  return text;
}

function printSummary(device: SimDeviceSummary): void {
  printLine(`${device.udid}  ${device.deviceName} — ${device.marketingName} (${device.productType}), iOS ${device.productVersion} (${device.buildVersion})`);
  printLine(`  attached: ${device.attachments.length ? device.attachments.map((a) => `${a.connection} #${a.deviceId}`).join(', ') : 'no'}`);
  for (const [key, value] of Object.entries(device.state)) printLine(`  ${key}: ${String(value)}`);
  printLine(`  paired hosts: ${device.pairedHosts.length ? device.pairedHosts.map((h) => h.hostId).join(', ') : 'none'}`);
}

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('the virtual iPhone: run it, show or change its state');

  sim
    .command('run', { isDefault: true })
    .description('run virtual iPhones behind a usbmuxd socket (foreground; Ctrl-C stops)')
    .requiredOption('--socket <path>', 'where to serve the usbmuxd protocol (use with USBMUXD_SOCKET_ADDRESS=UNIX:<path>)')
    .option('--devices <n>', 'how many phones (even ones on USB, odd ones on the network)', '2')
    .option('--state-dir <dir>', 'keep pairing and state here across restarts')
    .option('--auto-trust', 'pair without waiting for "Trust" (as if a person tapped it)')
    .option('--seed <text>', 'seed of the phones\' identities and data', 'lifeboat')
    .option('--quiet', 'log only warnings and errors')
    .option('--files <n>', 'about how many files each phone holds (default: a small phone)')
    .option('--bytes <size>', 'about how much data each phone holds, e.g. 2GB')
    .option('--fast-kdf', 'cheap backup-password key derivation (tests only; real phones use 10M rounds)')
    .option('--block-size <bytes>', 'file block size of backup transfers (a real phone uses 32768)')
    .option('--wifi-prefix <a.b.c>', 'loopback prefix of the phones\' Wi-Fi addresses (phone i gets a.b.c.<i+2>), e.g. 127.0.0')
    .option('--no-mdns', 'do not advertise Wi-Fi-sync phones by mDNS (it is sent on the loopback interface only)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RunOptions>();
      const profile = dataProfileFrom(options.files, options.bytes);
      const { simulator, server } = await startSimulator({
        socket: options.socket,
        devices: parseWholeNumber(options.devices, '--devices', 1, 64),
        seed: options.seed,
        autoTrust: options.autoTrust ?? false,
        json: options.json ?? false,
        quiet: options.quiet ?? false,
        ...(options.stateDir ? { stateDir: options.stateDir } : {}),
        ...(profile ? { dataProfile: profile } : {}),
        ...(options.fastKdf ? { fastKdf: true } : {}),
        ...(options.blockSize ? { blockSize: parseWholeNumber(options.blockSize, '--block-size', 1024, 16 * 1024 * 1024) } : {}),
        ...(options.wifiPrefix ? { wifiPrefix: parseLoopbackPrefix(options.wifiPrefix) } : {}),
        mdns: options.mdns,
      });
      const devices = simulator.phones.map((p) => summarizePhone(simulator, p));
      if (options.json) process.stdout.write(`${JSON.stringify({ event: 'ready', socket: options.socket, devices })}\n`);
      else {
        printLine(`Virtual iPhone ready: usbmuxd on ${options.socket} (export USBMUXD_SOCKET_ADDRESS=UNIX:${options.socket})`);
        for (const d of devices) printLine(`  ${d.udid}  ${d.attachments.map((a) => a.connection).join('+') || 'detached'}  ${d.deviceName}, ${d.marketingName}, iOS ${d.productVersion}`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void Promise.all([server.close(), simulator.close()]).then(() => {
            rmSync(options.socket, { force: true });
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  sim
    .command('show')
    .description('show a virtual iPhone\'s identity and state (all phones when no UDID is given)')
    .requiredOption('--socket <path>', 'the running simulator\'s socket')
    .argument('[udid]', 'which phone')
    .action(async (udid: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RunOptions>();
      const result = udid
        ? ((await simControl(options.socket, { MessageType: 'LifeboatSimShow', UDID: udid })) as SimDeviceSummary)
        : ((await simControl(options.socket, { MessageType: 'LifeboatSimList' })) as { devices: SimDeviceSummary[] });
      if (options.json) printJson(result);
      else if ('devices' in result) result.devices.forEach(printSummary);
      else printSummary(result);
    });

  sim
    .command('mutate')
    .description('change a virtual iPhone\'s data between backups: kind=messages|photos|contacts|appFiles add=N change=N edit=N remove=N, or kind=churn percent=P')
    .requiredOption('--socket <path>', 'the running simulator\'s socket')
    .argument('<udid>', 'which phone')
    .argument('<fields...>', 'kind=… and counts')
    .action(async (udid: string, fields: string[], _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RunOptions>();
      let mutation;
      try {
        mutation = parseMutation(fields);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const result = (await simControl(options.socket, { MessageType: 'LifeboatSimMutate', UDID: udid, Mutation: JSON.stringify(mutation) })) as {
        added: number;
        changed: number;
        removed: number;
      };
      if (options.json) printJson(result);
      else printLine(`added ${result.added}, changed ${result.changed}, removed ${result.removed}`);
    });

  sim
    .command('truth')
    .description('print what a virtual iPhone holds (ground truth for checking backups, readers and restores) as JSON')
    .requiredOption('--socket <path>', 'the running simulator\'s socket')
    .argument('<udid>', 'which phone')
    .action(async (udid: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RunOptions>();
      printJson(await simControl(options.socket, { MessageType: 'LifeboatSimTruth', UDID: udid }, 120_000));
    });

  sim
    .command('set')
    .description('change a virtual iPhone\'s state: battery=0..100 charging= wifi= wifiSync= wifiNetwork=same|other|unreachable lowPower= ios= freeSpace= totalSpace= passcode= locked= trust=pending|accept|deny plugged= fault=none|stall|error:N|… …')
    .requiredOption('--socket <path>', 'the running simulator\'s socket')
    .argument('<udid>', 'which phone')
    .argument('<settings...>', 'key=value pairs')
    .action(async (udid: string, settings: string[], _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RunOptions>();
      if (settings.length === 0) throw new UsageError('sim set needs at least one key=value');
      const result = (await simControl(options.socket, { MessageType: 'LifeboatSimSet', UDID: udid, Settings: settings })) as SimDeviceSummary;
      if (options.json) printJson(result);
      else printSummary(result);
    });
}
