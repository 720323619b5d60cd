/**
 * Errors of remote copies, and the translation of restic's failures into them.
 *
 * restic 0.14 exits with 1 for nearly every fatal error (3 only for "snapshot made, but some source
 * files could not be read"), so what went wrong is read from its stderr. Each case becomes a stable
 * code and a hint that says what to do; the raw restic line stays in the message for the expert.
 */
import { VaultError } from '../errors.js';
import { resticErrorDetail, type ResticFailure } from '../restic-runner.js';

export { redact } from '../restic-runner.js';

export class RemoteError extends VaultError {}

interface Rule {
  readonly pattern: RegExp;
  readonly code: string;
  readonly summary: string;
  readonly hint: string;
  readonly retryable?: boolean;
}

// Order matters: "unable to open config file" wraps every other cause, so the specific ones come first.
const RULES: readonly Rule[] = [
  {
    pattern: /wrong password or no key found/i,
    code: 'REMOTE_WRONG_PASSWORD',
    summary: 'the repository password is wrong',
    hint: 'Put the right password in the remote\'s password file (see `lifeboat remote list`), or remove the remote and add it again with the right one.',
  },
  {
    pattern: /signature we calculated does not match|InvalidAccessKeyId|access key id you provided does not exist|access denied|AccessDenied|no credentials|NoCredentialProviders|status 403|Forbidden/i,
    code: 'REMOTE_ACCESS_DENIED',
    summary: 'the storage server refused the credentials',
    hint: 'Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in the environment or in the remote\'s env file).',
  },
  {
    pattern: /x509:|certificate (is not|signed by unknown|has expired)|tls: /i,
    code: 'REMOTE_TLS',
    summary: 'the storage server\'s TLS certificate is not trusted',
    hint: 'For a self-signed or private CA, put SSL_CERT_FILE=/path/to/ca.crt in the remote\'s env file (`lifeboat remote add … --env-file FILE`).',
  },
  {
    pattern: /connection refused|no such host|network is unreachable|i\/o timeout|connection reset|TLS handshake timeout|context deadline exceeded|host is down|no route to host|Client\.Timeout/i,
    code: 'REMOTE_UNREACHABLE',
    summary: 'the storage server cannot be reached',
    hint: 'Check that the server is running and reachable from this computer (address, port, network); nothing was lost — sync again later.',
    retryable: true,
  },
  {
    pattern: /already locked|unable to create lock/i,
    code: 'REMOTE_LOCKED',
    summary: 'the repository is locked by another restic process',
    hint: 'Wait for the other sync or check to finish. If none is running, `restic unlock` on that repository removes a stale lock.',
    retryable: true,
  },
  {
    pattern: /no space left on device|quota exceeded|QuotaExceeded|EntityTooLarge/i,
    code: 'REMOTE_FULL',
    summary: 'the remote storage is full',
    hint: 'Free space on the remote (a shorter retention: `lifeboat remote sync` applies it), or add a bigger remote.',
  },
  {
    pattern: /bucket does not exist|NoSuchBucket|unable to open config file|Is there a repository at the following location|repository does not exist/i,
    code: 'REMOTE_NO_REPOSITORY',
    summary: 'there is no restic repository at that address',
    hint: 'Check the URL, and that the disk or bucket is there. If the repository is really gone, `lifeboat remote remove NAME` and `lifeboat remote add NAME URL` start a new one.',
  },
  {
    pattern: /config file already exists/i,
    code: 'REMOTE_EXISTS',
    summary: 'a repository already exists there',
    hint: 'Add it with its existing password.',
  },
];

/** Whether restic's stderr says the repository is locked by someone else. */
export function saysLocked(stderr: string): boolean {
  return RULES.find((r) => r.code === 'REMOTE_LOCKED')!.pattern.test(stderr);
}

/** The error for a failed restic run: `what` names the operation ("sync to offsite"). */
export function resticFailure(what: string, exitCode: number | null, signal: string | null, stderr: string): RemoteError {
  const detail = resticErrorDetail(stderr);
  if (signal) return new RemoteError(`${what}: restic was stopped by ${signal}${detail ? ` (${detail})` : ''}`, { code: 'REMOTE_INTERRUPTED', retryable: true, hint: 'Run it again; a sync resumes where it stopped.' });
  for (const rule of RULES) {
    if (rule.pattern.test(stderr)) {
      return new RemoteError(`${what}: ${rule.summary} (restic: ${detail})`, { code: rule.code, hint: rule.hint, retryable: rule.retryable ?? false });
    }
  }
  return new RemoteError(`${what}: restic failed with exit code ${exitCode ?? '?'}${detail ? ` (${detail})` : ''}`, {
    code: 'REMOTE_FAILED',
    hint: 'Run with --verbose for details; `lifeboat remote check` tells whether the repository is sound.',
  });
}

/** A remote's error for any way a restic run can fail (the mapper runRestic is given). */
export function remoteFailure(failure: ResticFailure, what: string): RemoteError {
  switch (failure.kind) {
    case 'missing':
      return new RemoteError(`restic is not installed (looked for "${failure.binary}")`, { code: 'REMOTE_NO_RESTIC', hint: 'Install it: `sudo apt install restic` (Debian/Ubuntu), `brew install restic` (macOS), or see restic.net.' });
    case 'cannot-start':
      return new RemoteError(`${what}: cannot start restic: ${failure.error.message}`, { code: 'REMOTE_FAILED', cause: failure.error });
    case 'aborted':
      return new RemoteError(`${what}: stopped${failure.reason instanceof Error ? ` (${failure.reason.message})` : ''}`, { code: 'REMOTE_INTERRUPTED', retryable: true, hint: 'Run it again; a sync resumes where it stopped.' });
    case 'failed':
      return resticFailure(what, failure.exitCode, failure.signal, failure.stderr);
  }
}
