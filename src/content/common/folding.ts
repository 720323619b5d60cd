/**
 * Content lines of vCard (RFC 2426 / 6350) and iCalendar (RFC 5545): text values escaped (backslash,
 * comma, semicolon, newline) and lines folded at 75 octets with CRLF + space, never inside a UTF-8
 * sequence — so any conforming parser reads back exactly the text the backup held.
 */

/** Escapes a TEXT value; `component` also escapes ';' and ',' is always escaped. */
export function escapeText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** Folds one logical line into CRLF-terminated physical lines of at most 75 octets. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return `${line}\r\n`;
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  let limit = 75;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > limit) {
      out.push(current);
      current = '';
      bytes = 0;
      limit = 74; // continuation lines start with one space
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return `${out.join('\r\n ')}\r\n`;
}
