/**
 * The control socket's language: JSON lines over a Unix socket (`<data home>/daemon.sock`, mode 0600).
 * A request is one line `{"id": n, "method": m, "params": {…}}`; the answer is one line
 * `{"id": n, "result": …}` or `{"id": n, "error": {code, message, hint}}`; a `backup` request also
 * gets `{"id": n, "event": <BackupEvent>}` lines while it runs.
 *
 *   status              → { devices: DeviceStatus[] }
 *   history {udid?, limit?} → { runs: RunRecord[] }
 *   alerts {limit?}     → { alerts: AlertRecord[] }
 *   backup {udid?}      → events…, then { run: RunRecord } (the only attached device when udid is absent)
 */
export const CONTROL_SOCKET_NAME = 'daemon.sock';
/** A line longer than this is not a request from our CLI. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type ControlMethod = 'status' | 'history' | 'alerts' | 'backup';

export interface ControlRequest {
  readonly id: number;
  readonly method: ControlMethod;
  readonly params?: Record<string, unknown>;
}

export interface ControlErrorBody {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export type ControlResponse =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: ControlErrorBody }
  | { readonly id: number; readonly event: unknown };
