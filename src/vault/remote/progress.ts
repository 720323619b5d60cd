/**
 * Events of a remote sync, for a progress bar (CLI), JSON lines (--json), the daemon and the dashboard.
 * `progress` comes from restic's own `backup --json` status lines, so the numbers are restic's.
 */
/** One local snapshot now on the remote: what `syncRemote` returns for it and announces as `uploaded`. */
export interface UploadedSnapshot {
  readonly udid: string;
  readonly snapshot: string;
  readonly remoteId: string;
  readonly filesNew: number;
  readonly filesChanged: number;
  readonly bytesAdded: number;
  readonly seconds: number;
}

export type RemoteSyncEvent =
  | { readonly type: 'phase'; readonly remote: string; readonly message: string }
  | { readonly type: 'snapshot'; readonly remote: string; readonly udid: string; readonly snapshot: string; readonly index: number; readonly count: number }
  | {
      readonly type: 'progress';
      readonly remote: string;
      readonly udid: string;
      readonly snapshot: string;
      /** 0..100 */
      readonly percent: number;
      readonly files: number;
      readonly totalFiles: number | undefined;
      readonly bytes: number;
      readonly totalBytes: number | undefined;
      readonly bytesPerSecond: number;
      readonly etaSeconds: number | undefined;
    }
  | ({ readonly type: 'uploaded'; readonly remote: string } & UploadedSnapshot)
  | { readonly type: 'forgotten'; readonly remote: string; readonly udid: string; readonly snapshots: readonly string[] };

export type RemoteSyncListener = (event: RemoteSyncEvent) => void;

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** A `progress` event from one restic `backup --json` status message (undefined for other messages). */
export function progressFromStatus(
  message: Record<string, unknown>,
  where: { remote: string; udid: string; snapshot: string },
): Extract<RemoteSyncEvent, { type: 'progress' }> | undefined {
  if (message['message_type'] !== 'status') return undefined;
  const bytes = num(message['bytes_done']) ?? 0;
  const elapsed = num(message['seconds_elapsed']) ?? 0;
  return {
    type: 'progress',
    ...where,
    percent: Math.min(100, Math.max(0, (num(message['percent_done']) ?? 0) * 100)),
    files: num(message['files_done']) ?? 0,
    totalFiles: num(message['total_files']),
    bytes,
    totalBytes: num(message['total_bytes']),
    bytesPerSecond: elapsed > 0 ? bytes / elapsed : 0,
    etaSeconds: num(message['seconds_remaining']),
  };
}
