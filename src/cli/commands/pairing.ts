/** `lifeboat pair` and `lifeboat unpair`: trust between this computer and an iPhone, shared with libimobiledevice. */
import type { Command } from 'commander';
import { pairDevice, unpairDevice } from '../../protocol/host/pairing-flow.js';
import { chooseTransport, deviceContext } from '../context.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { parseSeconds } from './parse.js';

interface PairOptions extends GlobalOptions {
  readonly udid?: string;
  readonly wait: string;
  readonly reset?: boolean;
}

export function registerPairingCommands(program: Command): void {
  program
    .command('pair')
    .description('pair with an iPhone (it asks to "Trust This Computer"); waits while it is locked or asking')
    .option('-u, --udid <udid>', 'the iPhone to pair with (default: the only one connected)')
    .option('--wait <seconds>', 'how long to wait for the user to unlock and tap Trust', '120')
    .option('--reset', 'forget any existing pairing first')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<PairOptions>();
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      if (options.reset) await context.store.delete(transport.udid);
      let told = '';
      const record = await pairDevice(transport, context.store, {
        waitMs: parseSeconds(options.wait, '--wait') * 1000,
        onWaiting: (error) => {
          if (!options.json && told !== error.deviceError) {
            told = error.deviceError;
            process.stderr.write(`Waiting: ${error.message}. ${error.hint ?? ''}\n`);
          }
        },
      });
      if (options.json) printJson({ udid: transport.udid, paired: true, hostId: record.hostId, systemBuid: record.systemBuid });
      else printLine(`Paired with ${transport.udid}.`);
    });

  program
    .command('unpair')
    .description('remove the pairing between this computer and an iPhone')
    .option('-u, --udid <udid>', 'the iPhone (default: the only one connected)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<PairOptions>();
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      const result = await unpairDevice(transport, context.store);
      if (options.json) printJson({ udid: transport.udid, unpaired: true, deviceForgot: result.deviceForgot });
      else printLine(`Unpaired ${transport.udid}.`);
    });
}
