/**
 * Writer for XML property lists in the exact shape Apple's CoreFoundation and libplist emit, because
 * lockdownd and usbmuxd are fed this text and some peers compare or hand-parse it.
 *
 * Nouns: the *prolog* is the XML declaration, DOCTYPE and `<plist version="1.0">` line; *depth* is the
 * number of enclosing dicts/arrays, which is also the number of tabs a line is indented by; a *data
 * line* is one line of base64 inside `<data>`, wrapped like Apple: 76 columns minus 8 per indent tab.
 *
 * Choices that differ from a naive writer:
 * - reals use JS's shortest round-trip form (`0.1`, `2`, `1e+300`), plus `nan`, `+infinity`,
 *   `-infinity` and `-0` spelled as CoreFoundation spells them; the `<real>` tag keeps a whole
 *   number a real.
 * - `\r` is written as `&#13;`: XML parsers (libxml2 in plistutil included) turn raw CR into LF.
 * - UIDs become `<dict><key>CF$UID</key><integer>n</integer></dict>`, Apple's convention.
 */
import { EncodeWalk, normalizeInt, realValue } from './encode-common.js';
import type { PlistDict, PlistReal, PlistUid, PlistValue } from './types.js';

const PROLOG =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';
const NEEDS_ESCAPE = /[&<>\r]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The range whose ISO form has a 4-digit year, as plist XML dates require. */
const MIN_DATE_MS = Date.parse('0000-01-01T00:00:00Z');
const MAX_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function encodeXmlPlist(value: PlistValue): Buffer {
  const writer = new XmlWriter();
  writer.value(value, 0);
  return Buffer.from(PROLOG + writer.parts.join('') + '</plist>\n', 'utf8');
}

class XmlWriter {
  readonly parts: string[] = [];
  private readonly walk = new EncodeWalk('XML plist');
  private readonly tabs: string[] = [''];

  value(value: unknown, depth: number): void {
    const pad = this.indent(depth);
    const parts = this.parts;
    switch (this.walk.kindOf(value)) {
      case 'string':
        parts.push(pad, '<string>', this.text(value as string), '</string>\n');
        return;
      case 'int':
        parts.push(pad, '<integer>', String(normalizeInt(value as number | bigint)), '</integer>\n');
        return;
      case 'real':
        parts.push(pad, '<real>', formatReal(realValue(value as number | PlistReal)), '</real>\n');
        return;
      case 'bool':
        parts.push(pad, value ? '<true/>\n' : '<false/>\n');
        return;
      case 'date':
        parts.push(pad, '<date>', this.date(value as Date), '</date>\n');
        return;
      case 'data':
        this.data(value as Uint8Array, depth, pad);
        return;
      case 'uid': {
        const inner = this.indent(depth + 1);
        parts.push(pad, '<dict>\n', inner, '<key>CF$UID</key>\n', inner, '<integer>', String((value as PlistUid).value), '</integer>\n', pad, '</dict>\n');
        return;
      }
      case 'array':
        this.array(value as unknown[], depth, pad);
        return;
      case 'dict':
        this.dict(value as PlistDict, depth, pad);
        return;
    }
  }

  private array(array: readonly unknown[], depth: number, pad: string): void {
    if (array.length === 0) {
      this.parts.push(pad, '<array/>\n');
      return;
    }
    const walk = this.walk;
    walk.enter(array);
    this.parts.push(pad, '<array>\n');
    for (let i = 0; i < array.length; i++) {
      walk.path.push(i);
      this.value(array[i], depth + 1);
      walk.path.pop();
    }
    this.parts.push(pad, '</array>\n');
    walk.leave(array);
  }

  private dict(dict: PlistDict, depth: number, pad: string): void {
    const keys = Object.keys(dict);
    if (keys.length === 0) {
      this.parts.push(pad, '<dict/>\n');
      return;
    }
    const walk = this.walk;
    walk.enter(dict);
    this.parts.push(pad, '<dict>\n');
    const inner = this.indent(depth + 1);
    for (const key of keys) {
      walk.path.push(key);
      this.parts.push(inner, '<key>', this.text(key), '</key>\n');
      this.value(dict[key], depth + 1);
      walk.path.pop();
    }
    this.parts.push(pad, '</dict>\n');
    walk.leave(dict);
  }

  /**
   * Base64 in lines of 76 columns counting a tab as 8, as CoreFoundation and libplist wrap it; both stop
   * indenting data lines at 8 tabs, so deep data keeps at least 12 characters a line.
   */
  private data(bytes: Uint8Array, depth: number, pad: string): void {
    const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const lineDepth = Math.min(depth, 8);
    const linePad = this.indent(lineDepth);
    const perLine = Math.floor((76 - 8 * lineDepth) / 4) * 4;
    this.parts.push(pad, '<data>\n');
    for (let i = 0; i < base64.length; i += perLine) this.parts.push(linePad, base64.slice(i, i + perLine), '\n');
    this.parts.push(pad, '</data>\n');
  }

  private date(date: Date): string {
    const ms = date.getTime();
    if (ms < MIN_DATE_MS || ms > MAX_DATE_MS) throw this.walk.error(`date ${ms} ms: outside years 0000..9999`);
    // Plist XML dates carry whole seconds; round toward the past as CoreFoundation does.
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
  }

  private text(text: string): string {
    if (LONE_SURROGATE.test(text)) throw this.walk.error('a string with an unpaired UTF-16 surrogate (not representable in UTF-8)');
    if (!NEEDS_ESCAPE.test(text)) return text;
    return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
  }

  private indent(depth: number): string {
    let pad = this.tabs[depth];
    if (pad === undefined) {
      pad = '\t'.repeat(depth);
      this.tabs[depth] = pad;
    }
    return pad;
  }
}

/** A double as text that parses back to the same double, in CoreFoundation's spelling for specials. */
export function formatReal(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return '+infinity';
  if (value === -Infinity) return '-infinity';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}
