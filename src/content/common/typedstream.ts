/**
 * The plain text of an `attributedBody`: the NSArchiver "typedstream" NSAttributedString Messages
 * stores in sms.db when `message.text` is NULL (and in every edit of an edit history).
 *
 * Nouns: after the class chain `NSString` (or `NSMutableString`) the stream holds the object's value
 * as the type code `+` (0x2B, a length-prefixed UTF-8 string) introduced by 0x84 0x01; the length uses
 * typedstream's integer tags — one byte below 0x80, 0x81 + int16 LE, 0x82 + int32 LE (documented in
 * imessage-exporter's streamtyped notes). Only that first string is read; attribute runs are ignored.
 * Untrusted: every offset is bounds-checked and a length past the end means "no text".
 */

const MARKERS = [Buffer.from('NSString', 'latin1'), Buffer.from('NSMutableString', 'latin1')];
const VALUE_INTRO = Buffer.from([0x84, 0x01, 0x2b]);
/** The string starts a few bytes after its class name; further away it is some other object. */
const SEARCH_WINDOW = 16;

export function attributedBodyText(blob: Uint8Array | null | undefined): string | undefined {
  if (!blob || blob.length < 16) return undefined;
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.toString('latin1', 2, 13) !== 'streamtyped') return undefined; // after version 4 and a length byte
  for (const marker of MARKERS) {
    const at = buf.indexOf(marker);
    if (at < 0) continue;
    const intro = buf.indexOf(VALUE_INTRO, at + marker.length);
    if (intro < 0 || intro > at + marker.length + SEARCH_WINDOW) continue;
    let pos = intro + VALUE_INTRO.length;
    const tag = buf[pos];
    let length: number;
    if (tag === undefined) return undefined;
    if (tag === 0x81) {
      if (pos + 3 > buf.length) return undefined;
      length = buf.readInt16LE(pos + 1);
      pos += 3;
    } else if (tag === 0x82) {
      if (pos + 5 > buf.length) return undefined;
      length = buf.readInt32LE(pos + 1);
      pos += 5;
    } else if (tag < 0x80) {
      length = tag;
      pos += 1;
    } else return undefined;
    if (length < 0 || pos + length > buf.length) return undefined;
    return buf.toString('utf8', pos, pos + length);
  }
  return undefined;
}
