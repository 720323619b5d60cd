/**
 * Progress of an export: one event type the CLI renders as a bar (or JSON lines with --json).
 *
 * Nouns: a *step* is one data type being exported (messages, photos, …); *items* counts what a step
 * has written (messages, photos, contacts …) out of *total* when known; *bytes* counts file content
 * copied (photos, attachments). Events are throttled by the meter, never by the exporters.
 */
export type ExportEvent =
  | { readonly type: 'step'; readonly step: string; readonly message: string }
  | { readonly type: 'progress'; readonly step: string; readonly items: number; readonly total: number | undefined; readonly bytes: number };

export type ExportListener = (event: ExportEvent) => void;

export class ExportMeter {
  private last = 0;
  items = 0;
  bytes = 0;

  constructor(
    private readonly listener: ExportListener | undefined,
    readonly step: string,
    readonly total: number | undefined,
    private readonly intervalMs = 200,
  ) {}

  add(items: number, bytes = 0): void {
    this.items += items;
    this.bytes += bytes;
    this.emit(false);
  }

  emit(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.listener({ type: 'progress', step: this.step, items: this.items, total: this.total, bytes: this.bytes });
  }
}
