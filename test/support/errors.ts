/** Re-exports for tests that check error classes. */
export { ProtocolError } from '../../src/protocol/errors.js';
export { LifeboatError as LifeboatErrorLike } from '../../src/util/errors.js';
