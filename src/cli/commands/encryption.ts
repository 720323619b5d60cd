/** `lifeboat encryption on|off|change`: the phone's "Encrypt local backup" setting and its password. */
import type { Command } from 'commander';
import { changeBackupEncryption, type EncryptionChange } from '../../backup/encryption.js';
import { chooseTransport, deviceContext } from '../context.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { readPassword } from '../password.js';
import { UsageError } from './parse.js';

interface EncryptionOptions extends GlobalOptions {
  readonly udid?: string;
  readonly passwordFile?: string;
  readonly newPasswordFile?: string;
}

export function registerEncryptionCommand(program: Command): void {
  program
    .command('encryption')
    .description('turn backup encryption on or off, or change its password (passwords: prompt, --password-file or LIFEBOAT_PASSWORD)')
    .argument('<action>', 'on | off | change')
    .option('-u, --udid <udid>', 'the iPhone (default: the only one connected)')
    .option('--password-file <file>', 'the password (for on: the new one; for off and change: the current one)')
    .option('--new-password-file <file>', 'the new password for change (or LIFEBOAT_NEW_PASSWORD)')
    .action(async (action: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<EncryptionOptions>();
      let change: EncryptionChange;
      const current = (): Promise<string> =>
        readPassword({ ...(options.passwordFile ? { file: options.passwordFile } : {}), env: 'LIFEBOAT_PASSWORD', prompt: 'Current backup password: ' });
      if (action === 'on') {
        change = { action, newPassword: await readPassword({ ...(options.passwordFile ? { file: options.passwordFile } : {}), env: 'LIFEBOAT_PASSWORD', prompt: 'New backup password: ', confirm: true }) };
      } else if (action === 'off') {
        change = { action, oldPassword: await current() };
      } else if (action === 'change') {
        const oldPassword = await current();
        const newPassword = await readPassword({ ...(options.newPasswordFile ? { file: options.newPasswordFile } : {}), env: 'LIFEBOAT_NEW_PASSWORD', prompt: 'New backup password: ', confirm: true });
        change = { action, oldPassword, newPassword };
      } else {
        throw new UsageError(`encryption takes on, off or change, not "${action}"`);
      }
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      const result = await changeBackupEncryption(transport, context.store, change);
      if (options.json) printJson({ udid: transport.udid, encrypted: result.encrypted });
      else printLine(`Backup encryption is ${result.encrypted ? 'on' : 'off'} for ${transport.udid}.`);
    });
}
