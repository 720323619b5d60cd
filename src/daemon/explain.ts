/**
 * Turning a failed backup's error into the cause an alert names. The doctor (src/daemon/doctor)
 * provides `explainFailure`, which the composition root injects; until then — and whenever it is not
 * given — this fallback uses what every LifeboatError already carries: a stable code, a message that
 * says what happened and a hint that says what to do (src/backup/failure.ts classifies backup errors).
 */
import { describeError, LifeboatError } from '../util/errors.js';

/** The same shape as the doctor's Finding (structurally), so its explainFailure plugs in unchanged. */
export interface FailureExplanation {
  readonly id: string;
  readonly severity: 'ok' | 'info' | 'warning' | 'critical';
  readonly udid?: string;
  readonly title: string;
  readonly explanation: string;
  readonly fix: string;
}

export type ExplainFailure = (error: unknown, udid: string) => FailureExplanation;

export const fallbackExplainFailure: ExplainFailure = (error, udid) => {
  if (error instanceof LifeboatError) {
    const message = error.message;
    // The first clause is the event ("the iPhone was disconnected during the backup"); the rest is detail.
    const title = message.split(/;|\(/)[0]?.trim() || message;
    return {
      id: error.code.toLowerCase().replace(/_/g, '-'),
      severity: 'critical',
      udid,
      title: title.charAt(0).toUpperCase() + title.slice(1),
      explanation: message,
      fix: error.hint ?? 'Run `lifeboat doctor` to find out what is wrong.',
    };
  }
  return {
    id: 'backup-failed',
    severity: 'critical',
    udid,
    title: 'The backup failed',
    explanation: describeError(error),
    fix: 'Run `lifeboat doctor`; if it finds nothing, run `lifeboat backup --verbose` and report the output.',
  };
};
