/**
 * Strict reader for XML property lists (Apple's PropertyList-1.0 DTD).
 *
 * Nouns: the *document* is an optional XML declaration, comments/processing instructions, an optional
 * DOCTYPE and one *root*: `<plist version="…">` wrapping exactly one value (a bare value element is also
 * accepted, as CoreFoundation does). A *value element* is one of dict, array, string, integer, real,
 * true, false, date, data; a dict holds `<key>` + value *pairs*. The empty forms `<string/>`,
 * `<data/>`, `<dict/>`, `<array/>` are accepted.
 *
 * A dict whose only key is `CF$UID` with a non-negative integer value becomes a PlistUid: that is how
 * CoreFoundation and libplist write UIDs in XML, and converting back makes XML round trips of
 * NSKeyedArchiver data lossless.
 *
 * Input is untrusted: the byte size, element count (maxObjects) and nesting (maxDepth) are bounded,
 * text must be valid UTF-8, and see xml-scanner.ts for why the tokenizer is hand-written.
 * Data comes back as a Buffer.
 */
import { PlistError, asPlistError } from './errors.js';
import type { ParseOptions, PlistDict, PlistLimits, PlistValue } from './types.js';
import { PlistUid, resolveLimits } from './types.js';
import { XmlScanner, type StartTag } from './xml-scanner.js';
import { parseData, parseDate, parseInteger, parseReal } from './xml-scalars.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseXmlPlist(data: Uint8Array | string, options?: ParseOptions): PlistValue {
  const limits = resolveLimits(options);
  try {
    const text = decodeText(data, limits);
    return new XmlPlistParser(new XmlScanner(text), limits, options?.preserveRealType === true).document();
  } catch (error) {
    throw asPlistError(error, 'XML plist: unexpected failure while parsing');
  }
}

function decodeText(data: Uint8Array | string, limits: PlistLimits): string {
  if (data.length > limits.maxBytes) {
    throw new PlistError(`XML plist is ${data.length} ${typeof data === 'string' ? 'characters' : 'bytes'}, more than the ${limits.maxBytes}-byte limit`);
  }
  if (typeof data === 'string') return data.charCodeAt(0) === 0xfeff ? data.slice(1) : data;
  if ((data[0] === 0xfe && data[1] === 0xff) || (data[0] === 0xff && data[1] === 0xfe)) {
    throw new PlistError('XML plist is UTF-16 encoded; only UTF-8 is supported', { offset: 0 });
  }
  const start = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  try {
    return UTF8.decode(data.subarray(start));
  } catch (error) {
    throw new PlistError('XML plist is not valid UTF-8', { offset: firstInvalidUtf8(data, start), cause: error });
  }
}

class XmlPlistParser {
  private elements = 0;

  constructor(
    private readonly s: XmlScanner,
    private readonly limits: PlistLimits,
    private readonly preserveRealType: boolean,
  ) {}

  document(): PlistValue {
    const s = this.s;
    s.skipSpace();
    if (s.startsWith('<?xml')) this.declaration();
    s.skipMisc();
    if (s.startsWith('<!DOCTYPE')) {
      s.skipDoctype();
      s.skipMisc();
    }
    if (s.atEnd || !s.startsWith('<')) throw s.error(s.atEnd ? 'no root element' : 'text before the root element');
    const tag = s.readStartTag();
    let value: PlistValue;
    if (tag.name === 'plist') {
      if (tag.selfClosing) throw s.error('<plist> holds no value', tag.at);
      s.skipMisc();
      if (s.startsWith('</')) throw s.error('<plist> holds no value');
      value = this.value(this.startTag(), 0);
      s.skipMisc();
      if (s.atEnd) throw s.error('unterminated <plist>', tag.at);
      if (!s.startsWith('</')) throw s.error('<plist> holds more than one value');
      s.readEndTag('plist');
    } else {
      value = this.value(tag, 0);
    }
    s.skipMisc();
    if (!s.atEnd) throw s.error('content after the root element');
    return value;
  }

  private declaration(): void {
    const s = this.s;
    s.pos += 5;
    const end = s.text.indexOf('?>', s.pos);
    if (end < 0) throw s.error('unterminated XML declaration');
    const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(s.text.slice(s.pos, end))?.[1];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw s.error(`unsupported encoding "${encoding}"`);
    s.pos = end + 2;
  }

  /** Reads the next start tag, which must be where the cursor is. */
  private startTag(): StartTag {
    const s = this.s;
    if (!s.startsWith('<') || s.startsWith('</')) throw s.error(s.atEnd ? 'unexpected end of input' : 'expected an element');
    return s.readStartTag();
  }

  private value(tag: StartTag, depth: number): PlistValue {
    const s = this.s;
    if (++this.elements > this.limits.maxObjects) throw s.error(`more than ${this.limits.maxObjects} elements`, tag.at);
    switch (tag.name) {
      case 'dict':
        this.enter(tag, depth + 1);
        return tag.selfClosing ? {} : this.dict(tag, depth + 1);
      case 'array':
        this.enter(tag, depth + 1);
        return tag.selfClosing ? [] : this.array(tag, depth + 1);
      case 'string':
        return this.text(tag);
      case 'true':
      case 'false':
        if (!tag.selfClosing && this.text(tag) !== '') throw s.error(`<${tag.name}> must be empty`, tag.at);
        return tag.name === 'true';
      case 'integer':
        return this.scalar(tag, parseInteger(this.text(tag)));
      case 'real':
        return this.scalar(tag, parseReal(this.text(tag), this.preserveRealType));
      case 'date':
        return this.scalar(tag, parseDate(this.text(tag)));
      case 'data':
        return this.scalar(tag, parseData(this.text(tag)));
      case 'key':
        throw s.error('<key> outside a <dict>', tag.at);
      default:
        throw s.error(`unknown element <${tag.name}>`, tag.at);
    }
  }

  private text(tag: StartTag): string {
    return tag.selfClosing ? '' : this.s.readText(tag.name);
  }

  /** Passes a converted scalar through, or turns the converter's complaint into an error at the tag. */
  private scalar<T>(tag: StartTag, result: T | string): T {
    if (typeof result === 'string') throw this.s.error(`<${tag.name}>: ${result}`, tag.at);
    return result;
  }

  private array(tag: StartTag, depth: number): PlistValue[] {
    const s = this.s;
    const out: PlistValue[] = [];
    for (;;) {
      this.between(tag);
      if (s.startsWith('</')) break;
      s.path.push(out.length);
      out.push(this.value(this.startTag(), depth));
      s.path.pop();
    }
    s.readEndTag('array');
    return out;
  }

  private dict(tag: StartTag, depth: number): PlistDict | PlistUid {
    const s = this.s;
    const out: PlistDict = {};
    for (;;) {
      this.between(tag);
      if (s.startsWith('</')) break;
      const keyTag = this.startTag();
      if (keyTag.name !== 'key') throw s.error(`<${keyTag.name}> where a <key> was expected in <dict>`, keyTag.at);
      const key = this.text(keyTag);
      s.path.push(key);
      this.between(tag);
      if (s.startsWith('</')) throw s.error(`key "${key}" has no value`);
      const valueTag = this.startTag();
      if (valueTag.name === 'key') throw s.error(`key "${key}" has no value`, valueTag.at);
      const value = this.value(valueTag, depth);
      // A key named __proto__ must become an own property, not replace the object's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      s.path.pop();
    }
    s.readEndTag('dict');
    const keys = Object.keys(out);
    const uid = out['CF$UID'];
    if (keys.length === 1 && typeof uid === 'number' && Number.isSafeInteger(uid) && uid >= 0) return new PlistUid(uid);
    return out;
  }

  private enter(tag: StartTag, depth: number): void {
    if (depth > this.limits.maxDepth) throw this.s.error(`nesting is deeper than the limit of ${this.limits.maxDepth}`, tag.at);
  }

  /** Skips whitespace and comments between children; any other text there is an error. */
  private between(container: StartTag): void {
    const s = this.s;
    for (;;) {
      s.skipSpace();
      if (s.startsWith('<!--')) s.skipComment();
      else break;
    }
    if (s.atEnd) throw s.error(`unterminated <${container.name}>`, container.at);
    if (!s.startsWith('<')) throw s.error(`unexpected text inside <${container.name}>`);
  }
}

/** Offset of the first byte that breaks UTF-8 (only computed on the error path). */
function firstInvalidUtf8(data: Uint8Array, start: number): number {
  let i = start;
  while (i < data.length) {
    const b = data[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (((data[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return i;
}
