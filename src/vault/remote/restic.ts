/**
 * Running restic for one remote: the shared runner (../restic-runner.ts: password by file, never argv;
 * JSON lines; UTC) with the remote's address, password file and env file, and its errors in the
 * remote's words (REMOTE_* codes with hints).
 */
import { accessSync, constants } from 'node:fs';
import { runRestic as runResticProcess, type AsyncResticOptions, type ResticRepository, type ResticRun } from '../restic-runner.js';
import { RemoteError, remoteFailure, resticFailure, saysLocked } from './errors.js';
import { readEnvFile, type ResolvedRemote } from './settings.js';


/** What restic needs to open `remote` (the password itself is never read here). */
function remoteRepository(remote: ResolvedRemote): ResticRepository {
  try {
    accessSync(remote.passwordFile, constants.R_OK);
  } catch {
    throw new RemoteError(`the password file of remote "${remote.name}" (${remote.passwordFile}) cannot be read`, {
      code: 'REMOTE_NO_PASSWORD',
      hint: 'Put the repository password in that file (mode 0600), or remove the remote and add it again.',
    });
  }
  return {
    repository: remote.repository,
    passwordFile: remote.passwordFile,
    ...(remote.envFile ? { env: readEnvFile(remote.envFile) } : {}),
  };
}

export function runRestic(remote: ResolvedRemote, args: readonly string[], options: AsyncResticOptions): Promise<ResticRun> {
  return runResticProcess(remoteRepository(remote), args, options, remoteFailure);
}

/**
 * Runs restic; when the repository is locked, asks restic to remove *stale* locks (those whose process
 * is gone, e.g. after kill -9, or older than 30 minutes) and tries once more. A live lock stays.
 */
export async function runResticUnlocking(remote: ResolvedRemote, args: readonly string[], options: AsyncResticOptions): Promise<ResticRun> {
  // An accepted non-zero exit (check's 1) may still be a lock conflict: that is never a result.
  const attempt = async (): Promise<ResticRun> => {
    const run = await runRestic(remote, args, options);
    if (run.exitCode !== 0 && saysLocked(run.stderr)) throw resticFailure(options.what, run.exitCode, null, run.stderr);
    return run;
  };
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof RemoteError) || error.code !== 'REMOTE_LOCKED') throw error;
    await runRestic(remote, ['unlock'], { what: `${options.what} (removing stale locks)`, ...(options.signal ? { signal: options.signal } : {}) });
    return attempt();
  }
}
