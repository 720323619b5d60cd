/**
 * `attributedBody`: the NSArchiver "typedstream" form of an NSAttributedString that Messages stores in
 * sms.db (message.attributedBody, and the `t` entries of an edit history in message_summary_info).
 *
 * Nouns: the stream is a fixed preamble (version 4, "streamtyped", system version 1000), an
 * NSAttributedString object holding an NSString (`+` = length-prefixed UTF-8), one attribute run
 * (`iI`: dictionary index 1, run length in UTF-16 units) and its dictionary
 * {__kIMMessagePartAttributeName: NSNumber 0}. The bytes around the text are copied from real messages
 * (imessage-exporter's test_data Edited.plist, byte for byte), so every reader that handles real phones
 * handles these. Integers use typedstream's tags: one byte below 0x80, 0x81 + int16 LE, 0x82 + int32 LE.
 */
const PREFIX = Buffer.from(
  '040b73747265616d747970656481e803840140848484124e5341747472696275746564537472696e67008484084e534f626a6563740085' +
    '92848484084e53537472696e67019484012b',
  'hex',
);
const RUN = Buffer.from('8684026949', 'hex');
const SUFFIX = Buffer.from(
  '928484840c4e5344696374696f6e617279009484016901928496961d5f5f6b494d4d657373616765506172744174747269627574654e616d65' +
    '8692848484084e534e756d626572008484074e5356616c7565009484012a84999900868686',
  'hex',
);

function tsInt(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n <= 0x7fff) {
    const b = Buffer.alloc(3);
    b[0] = 0x81;
    b.writeInt16LE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0x82;
  b.writeInt32LE(n, 1);
  return b;
}

export function attributedBody(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  return Buffer.concat([PREFIX, tsInt(utf8.length), utf8, RUN, tsInt(1), tsInt(text.length), SUFFIX]);
}

/** The text inside an attributedBody made by attributedBody() (tests; real readers parse the stream). */
export function attributedBodyText(blob: Buffer): string | undefined {
  if (!blob.subarray(0, PREFIX.length).equals(PREFIX)) return undefined;
  let at = PREFIX.length;
  const tag = blob[at] ?? 0;
  let length: number;
  if (tag === 0x81) {
    length = blob.readInt16LE(at + 1);
    at += 3;
  } else if (tag === 0x82) {
    length = blob.readInt32LE(at + 1);
    at += 5;
  } else {
    length = tag;
    at += 1;
  }
  return blob.toString('utf8', at, at + length);
}
