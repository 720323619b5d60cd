/**
 * Heads of the other bulk formats: PDF documents, Core Audio (CAF) voice messages, plain data.
 *
 * Each head is a valid start of its format (a PDF header and info object, a CAF `caff` header with
 * `desc` and an open-ended `data` chunk whose size -1 means "to the end of the file"); the pool filler
 * follows. Enough for type sniffing (`file`, libmagic, UTType by content) — not for rendering.
 */
export function pdfHead(title: string, createdUnixMs: number): Buffer {
  const d = new Date(createdUnixMs);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const safeTitle = title.replace(/[()\\]/g, '');
  return Buffer.concat([
    Buffer.from('%PDF-1.7\n%', 'latin1'),
    Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
    Buffer.from(`\n1 0 obj\n<< /Title (${safeTitle}) /Producer (Quartz PDFContext) /CreationDate (${stamp}) >>\nendobj\n2 0 obj\n<< /Length 0 >>\nstream\n`, 'latin1'),
  ]);
}

export function cafHead(): Buffer {
  const head = Buffer.alloc(8 + 12 + 32 + 12 + 4);
  let o = 0;
  head.write('caff', o, 'latin1');
  head.writeUInt16BE(1, o + 4);
  head.writeUInt16BE(0, o + 6);
  o += 8;
  head.write('desc', o, 'latin1');
  head.writeBigInt64BE(32n, o + 4);
  o += 12;
  head.writeDoubleBE(44100, o);
  head.write('aac ', o + 8, 'latin1');
  head.writeUInt32BE(0, o + 12);
  head.writeUInt32BE(0, o + 16);
  head.writeUInt32BE(1024, o + 20);
  head.writeUInt32BE(1, o + 24);
  head.writeUInt32BE(0, o + 28);
  o += 32;
  head.write('data', o, 'latin1');
  head.writeBigInt64BE(-1n, o + 4);
  o += 12;
  head.writeUInt32BE(0, o);
  return head;
}

/** A generic document head: a recognisable magic plus a per-file label, so files differ from byte 0. */
export function dataHead(magic: string, label: string): Buffer {
  return Buffer.from(`${magic}${label}\n`, 'latin1');
}
