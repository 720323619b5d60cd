/**
 * The plist codec's public entry point — import from here, never from the modules behind it.
 *
 * Nouns: a *plist* is Apple's property-list serialisation of a value tree (types.ts has the JS
 * mapping); it comes as *binary* (`bplist00`, what devices usually send and Manifest.db stores) or
 * *XML* (what lockdownd and usbmuxd speak). *Sniffing* decides which one a byte buffer holds.
 */
import { isBinaryPlist, parseBinaryPlist } from './binary-parse.js';
import { PlistError } from './errors.js';
import type { ParseOptions, PlistValue } from './types.js';
import { parseXmlPlist } from './xml-parse.js';

export * from './types.js';
export { PlistError, PLIST_INVALID, type PlistErrorLocation } from './errors.js';
export { isBinaryPlist, parseBinaryPlist } from './binary-parse.js';
export { encodeBinaryPlist } from './binary-encode.js';
export { parseXmlPlist } from './xml-parse.js';
export { encodeXmlPlist } from './xml-encode.js';
export { decodeKeyedArchive, encodeKeyedArchive, KeyedInline, KeyedObject, nsMutableData, type KeyedValue } from './keyed-archive.js';

/**
 * Parses a binary or XML plist, whichever `data` holds. XML is recognised by its first `<` after an
 * optional UTF-8 byte-order mark and whitespace; a string is always treated as XML.
 */
export function parsePlist(data: Uint8Array | string, options?: ParseOptions): PlistValue {
  if (typeof data === 'string') return parseXmlPlist(data, options);
  if (isBinaryPlist(data)) return parseBinaryPlist(data, options);
  let i = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x09 || data[i] === 0x0a || data[i] === 0x0d)) i++;
  if (data[i] === 0x3c /* < */) return parseXmlPlist(data, options);
  throw new PlistError(describeUnknown(data, i), { offset: i });
}

function describeUnknown(data: Uint8Array, at: number): string {
  if (data.length === 0) return 'not a plist: the input is empty';
  if (at >= data.length) return 'not a plist: the input is only whitespace';
  const head = Buffer.from(data.subarray(0, 8));
  if (head.toString('latin1', 0, 6) === 'bplist') {
    return `not a supported plist: binary plist version "${head.toString('latin1', 6, 8)}" (only bplist00 is supported)`;
  }
  return `not a plist: expected "bplist00" or XML, found bytes ${head.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
}
