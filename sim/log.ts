/**
 * The virtual iPhone's log: one line per event on stderr, JSON when asked, so a test or a person can
 * see why a connection was closed without the process ever dying of a peer's bad input.
 */
export type SimLogLevel = 'info' | 'warn' | 'error';

export interface SimLogger {
  log(level: SimLogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function createSimLogger(options: { json: boolean; quiet?: boolean; stream?: NodeJS.WritableStream }): SimLogger {
  const out = options.stream ?? process.stderr;
  return {
    log(level, message, fields = {}) {
      if (options.quiet && level === 'info') return;
      if (options.json) out.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
      else {
        const extra = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        out.write(`[sim] ${level}: ${message}${extra ? ` ${extra}` : ''}\n`);
      }
    },
  };
}

export const silentLogger: SimLogger = { log() {} };
