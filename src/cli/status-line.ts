/**
 * The one line of progress a long command shows on stderr (stdout stays for the result): redrawn in
 * place on a terminal; on anything else (a log, a pipe) written as a plain line at most every few
 * seconds. Headings ("Reading messages…") go on lines of their own. Hand-written because it is one
 * line of text; a dependency would not make it simpler.
 */

/** What a command's renderer offers its producer: events in, and a final newline when done. */
export interface EventRenderer<E> {
  onEvent(event: E): void;
  finish(): void;
}

export interface StatusLine {
  /** A line of its own, ending the status line drawn so far. */
  heading(message: string): void;
  /** The status line's new text; `final` (100 %) is written even between plain lines' intervals. */
  update(line: string, final?: boolean): void;
  /** Ends a line drawn in place, so what follows starts on a fresh line. */
  finish(): void;
}

const PLAIN_INTERVAL_MS = 5000;

export function createStatusLine(out: NodeJS.WriteStream = process.stderr): StatusLine {
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPlain = 0;
  const finish = (): void => {
    if (drawn) out.write('\n');
    drawn = false;
  };
  return {
    heading(message) {
      finish();
      out.write(`${message}…\n`);
    },
    update(line, final = false) {
      if (tty) {
        out.write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPlain > PLAIN_INTERVAL_MS || final) {
        lastPlain = Date.now();
        out.write(`${line}\n`);
      }
    },
    finish,
  };
}
