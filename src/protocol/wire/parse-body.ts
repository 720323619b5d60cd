/** Parses a plist payload that must be a dictionary, turning codec errors into ProtocolErrors. */
import { parsePlist, PlistError, type PlistDict } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { isPlistDict } from './plist-frame.js';

export function parsePlistBody(bytes: Uint8Array, what: string): PlistDict {
  let value;
  try {
    value = parsePlist(bytes);
  } catch (error) {
    if (error instanceof PlistError) {
      throw new ProtocolError(`${what}: invalid plist (${error.message})`, { code: 'PROTOCOL_BAD_PLIST', cause: error });
    }
    throw error;
  }
  if (!isPlistDict(value)) throw new ProtocolError(`${what}: expected a dictionary`, { code: 'PROTOCOL_BAD_MESSAGE' });
  return value;
}
