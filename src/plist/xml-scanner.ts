/**
 * The lexical layer of the XML plist reader: a cursor over the document text that recognises exactly
 * the XML a plist uses — tags with attributes, character data with the five predefined entities and
 * numeric character references, CDATA sections, comments, processing instructions and a DOCTYPE
 * without an internal subset.
 *
 * Why hand-written instead of a general XML library: plist XML is a tiny subset, and a small scanner
 * is far easier to bound against hostile input — no entity expansion (DOCTYPE internal subsets, where
 * "billion laughs" definitions live, are refused), no external resources, no namespaces, every loop
 * advances the cursor, and every failure is a PlistError carrying line and column.
 *
 * Nouns: *pos* is the cursor (a UTF-16 index into the text); a *tag* is `<name attr="v">`, `<name/>`
 * or `</name>`; *character data* is text between tags after entity and CDATA decoding. Raw control
 * characters are accepted inside character data because libimobiledevice peers are known to send them.
 */
import { PlistError, formatPath } from './errors.js';

export interface StartTag {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  /** `<name/>`: the element has no content and no end tag. */
  readonly selfClosing: boolean;
  /** Where the `<` was, for messages. */
  readonly at: number;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlScanner {
  pos = 0;
  /** Element path for messages, maintained by the grammar layer. */
  readonly path: (string | number)[] = [];

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  startsWith(literal: string): boolean {
    return this.text.startsWith(literal, this.pos);
  }

  /** Skips XML whitespace; returns true if any was skipped. */
  skipSpace(): boolean {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
    return this.pos > start;
  }

  /** Skips whitespace, comments and processing instructions (what may sit between elements). */
  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) this.skipComment();
      else if (this.startsWith('<?')) this.skipPast(2, '?>', 'processing instruction');
      else return;
    }
  }

  skipComment(): void {
    this.skipPast(4, '-->', 'comment');
  }

  /** Skips `<!DOCTYPE …>`; an internal subset could define entities, so it is refused outright. */
  skipDoctype(): void {
    const text = this.text;
    this.pos += '<!DOCTYPE'.length;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === '>') {
        this.pos++;
        return;
      }
      if (c === '[') throw this.error('DOCTYPE internal subsets (entity definitions) are not supported');
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, this.pos + 1);
        if (close < 0) break;
        this.pos = close;
      }
      this.pos++;
    }
    throw this.error('unterminated DOCTYPE');
  }

  /** Reads a start tag at the cursor (which must be on `<`). */
  readStartTag(): StartTag {
    const at = this.pos;
    this.pos++;
    const name = this.readName('element name');
    const attributes = new Map<string, string>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return { name, attributes, selfClosing: true, at };
      }
      if (this.startsWith('>')) {
        this.pos++;
        return { name, attributes, selfClosing: false, at };
      }
      if (!spaced) throw this.error(`malformed tag <${name}>`);
      const attribute = this.readName('attribute name');
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      attributes.set(attribute, this.readQuoted());
    }
  }

  /** Consumes `</name>` (with optional space before `>`). */
  readEndTag(expected: string): void {
    if (!this.startsWith('</')) throw this.error(`expected </${expected}>`);
    this.pos += 2;
    const name = this.readName('element name');
    if (name !== expected) throw this.error(`</${name}> does not close <${expected}>`);
    this.skipSpace();
    this.expect('>');
  }

  /**
   * Reads the character data of a text-only element up to and including `</name>`, decoding entities
   * and CDATA, skipping comments and refusing nested elements. Chunks are joined once, not per char.
   */
  readText(name: string): string {
    const text = this.text;
    const chunks: string[] = [];
    let start = this.pos;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x26 /* & */) {
        chunks.push(text.slice(start, this.pos), this.readEntity());
        start = this.pos;
      } else if (c === 0x3c /* < */) {
        chunks.push(text.slice(start, this.pos));
        if (this.startsWith('</')) {
          this.readEndTag(name);
          return chunks.length === 1 ? chunks[0]! : chunks.join('');
        }
        if (this.startsWith('<![CDATA[')) {
          const end = text.indexOf(']]>', this.pos + 9);
          if (end < 0) throw this.error('unterminated CDATA section');
          chunks.push(text.slice(this.pos + 9, end));
          this.pos = end + 3;
        } else if (this.startsWith('<!--')) {
          this.skipComment();
        } else {
          throw this.error(`unexpected markup inside <${name}>`);
        }
        start = this.pos;
      } else {
        this.pos++;
      }
    }
    throw this.error(`unterminated <${name}>`);
  }

  expect(literal: string): void {
    if (!this.startsWith(literal)) throw this.error(`expected "${literal}"`);
    this.pos += literal.length;
  }

  error(message: string, at = this.pos): PlistError {
    let line = 1;
    let lineStart = 0;
    const end = Math.min(at, this.text.length);
    for (let i = this.text.indexOf('\n'); i >= 0 && i < end; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const path = this.path.length > 0 ? formatPath(this.path) : undefined;
    return new PlistError(`XML plist: ${message}`, { line, column: end - lineStart + 1, offset: at, ...(path ? { path } : {}) });
  }

  private readName(what: string): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    if (!match) throw this.error(`expected ${what}`);
    this.pos = NAME.lastIndex;
    return match[0];
  }

  private readQuoted(): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") throw this.error('expected a quoted attribute value');
    const close = this.text.indexOf(quote, this.pos + 1);
    if (close < 0) throw this.error('unterminated attribute value');
    const value = this.text.slice(this.pos + 1, close);
    if (value.includes('<')) throw this.error('"<" inside an attribute value');
    this.pos = close + 1;
    return value;
  }

  private readEntity(): string {
    const at = this.pos;
    const semi = this.text.indexOf(';', at);
    // The longest legal reference, &#x10FFFF;, is 10 characters.
    if (semi < 0 || semi - at > 10) throw this.error('unterminated entity reference', at);
    const body = this.text.slice(at + 1, semi);
    this.pos = semi + 1;
    const named = ENTITIES[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2]!, 10);
      if (code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw this.error(`unknown or invalid entity &${body};`, at);
  }

  private skipPast(openerLength: number, terminator: string, what: string): void {
    const end = this.text.indexOf(terminator, this.pos + openerLength);
    if (end < 0) throw this.error(`unterminated ${what}`);
    this.pos = end + terminator.length;
  }
}
