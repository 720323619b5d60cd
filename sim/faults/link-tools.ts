/** Small helpers the faults share: bounded waits on the host connection, and the error that ends an agent. */
import type { Duplex } from 'node:stream';

/** Thrown by a fault to end the phone's side of the operation without a reply. */
export class InjectedFault extends Error {
  constructor(message: string) {
    super(`injected fault: ${message}`);
    this.name = 'InjectedFault';
  }
}

/** Resolves when the connection closes, or after `boundMs` (true = closed, false = bound reached). */
export function untilClosed(stream: Duplex, boundMs: number): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.off('close', onClose);
      resolve(false);
    }, boundMs);
    timer.unref();
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.once('close', onClose);
  });
}

/** How long a misbehaving phone waits for the host to react (close the connection) before giving up. */
export const HOST_REACTION_BOUND_MS = 60_000;
/** How long a stalled phone keeps the connection open, silent, if the host never gives up. */
export const STALL_BOUND_MS = 15 * 60_000;
