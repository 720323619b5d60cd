/**
 * The `lifeboat` command line: builds the commander program from the command modules and runs it,
 * mapping every error to one clear line and an exit code (see exit-codes.ts).
 * Extensions (the virtual iPhone's `sim` commands) are registered by the composition root in bin/,
 * because nothing in src/ may depend on sim/.
 */
import { Command, CommanderError } from 'commander';
import { registerAdviseCommand } from './commands/advise.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerCoverageCommand } from './commands/coverage.js';
import { registerExportCommand } from './commands/export.js';
import { registerExtractCommand } from './commands/extract.js';
import { registerLsCommand } from './commands/ls.js';
import { registerShowCommand } from './commands/show.js';
import { registerDevicesCommand } from './commands/devices.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEncryptionCommand } from './commands/encryption.js';
import { registerRestoreCommand } from './commands/restore.js';
import { registerVaultCommands } from './commands/snapshots.js';
import { registerInfoCommand } from './commands/info.js';
import { registerPairingCommands } from './commands/pairing.js';
import { registerRemoteCommands } from './commands/remote.js';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerStatusCommand } from './commands/status.js';
import { registerWifiCommand } from './commands/wifi.js';
import { registerServeCommand } from './commands/serve.js';
import { UsageError } from './commands/parse.js';
import { ExitCode } from './exit-codes.js';
import { reportError, type GlobalOptions } from './output.js';

export type CommandRegistrar = (program: Command) => void;

export function buildProgram(extensions: readonly CommandRegistrar[] = []): Command {
  const program = new Command('lifeboat')
    .description('Self-hosted iPhone backups that never fail silently.')
    .version('0.1.0')
    .option('--json', 'machine-readable output (one JSON document on stdout)')
    .option('--verbose', 'more detail, including stack traces on errors')
    .showHelpAfterError('(run `lifeboat help` for the list of commands)')
    .exitOverride();
  registerDevicesCommand(program);
  registerPairingCommands(program);
  registerInfoCommand(program);
  registerBackupCommand(program);
  registerRestoreCommand(program);
  registerEncryptionCommand(program);
  registerWifiCommand(program);
  for (const register of [registerLsCommand, registerExtractCommand, registerExportCommand, registerShowCommand, registerCoverageCommand]) register(program);
  registerVaultCommands(program);
  registerRemoteCommands(program);
  registerServeCommand(program);
  registerDoctorCommand(program);
  registerAdviseCommand(program);
  for (const register of [registerDaemonCommand, registerStatusCommand, registerHistoryCommand]) register(program);
  for (const register of extensions) register(program);
  return program;
}

/** Installed once per process: the demo and tests call runCli many times (a listener per call leaked). */
let stdoutErrorHandled = false;

export async function runCli(argv: readonly string[], extensions: readonly CommandRegistrar[] = []): Promise<number> {
  // `lifeboat … | head` closes the pipe early; that is the reader's choice, not an error to crash on.
  if (!stdoutErrorHandled) {
    stdoutErrorHandled = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  const program = buildProgram(extensions);
  try {
    await program.parseAsync([...argv]);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are normal exits; commander already printed its message.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const options = program.opts<GlobalOptions>();
    return reportError(error instanceof UsageError ? error : error, options);
  }
}
