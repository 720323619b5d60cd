/**
 * Strict checkers for what exports write, used by the content tests in place of a parser library
 * (none is a dependency yet): vCard 3.0/4.0 and iCalendar content lines (RFC 6350 / 2426 / 5545 — CRLF
 * line ends, 75-octet folding, BEGIN/END balance, property syntax, escapes), and XML well-formedness
 * of the HTML pages (every tag closed and nested, attributes quoted, only XML entities). Each throws
 * with the line or offset of the first violation.
 */

export interface ContentLine {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  readonly value: string;
}

export interface Component {
  readonly name: string;
  readonly props: ContentLine[];
  readonly children: Component[];
}

/** Text unescaping of RFC 6350/5545 (\\n, \\, \; \,). */
export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a component-structured text file into its components, checking the syntax strictly. */
export function parseContentLines(text: string): Component[] {
  if (!text.endsWith('\r\n')) throw new Error('the file does not end with CRLF');
  const physical = text.slice(0, -2).split('\r\n');
  const logical: string[] = [];
  physical.forEach((line, i) => {
    if (/[\r\n]/.test(line)) throw new Error(`line ${i + 1}: bare CR or LF`);
    if (Buffer.byteLength(line, 'utf8') > 75) throw new Error(`line ${i + 1}: longer than 75 octets`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (logical.length === 0) throw new Error(`line ${i + 1}: continuation without a line`);
      logical[logical.length - 1] += line.slice(1);
    } else logical.push(line);
  });
  const roots: Component[] = [];
  const stack: Component[] = [];
  for (const [i, line] of logical.entries()) {
    const m = /^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(.*)$/.exec(line);
    if (!m) throw new Error(`content line ${i + 1} is malformed: ${JSON.stringify(line.slice(0, 80))}`);
    const name = (m[1] as string).toUpperCase();
    const params: Record<string, string> = {};
    for (const p of (m[2] as string).split(';').slice(1)) {
      const eq = p.indexOf('=');
      params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1);
    }
    const value = m[3] as string;
    if (name === 'BEGIN') {
      const c: Component = { name: value.toUpperCase(), props: [], children: [] };
      (stack.length ? (stack[stack.length - 1] as Component).children : roots).push(c);
      stack.push(c);
    } else if (name === 'END') {
      const open = stack.pop();
      if (!open || open.name !== value.toUpperCase()) throw new Error(`content line ${i + 1}: END:${value} does not close ${open?.name ?? 'anything'}`);
    } else {
      const top = stack[stack.length - 1];
      if (!top) throw new Error(`content line ${i + 1}: property outside any component`);
      top.props.push({ name, params, value });
    }
  }
  if (stack.length) throw new Error(`unclosed ${stack.map((c) => c.name).join(', ')}`);
  return roots;
}

export function prop(c: Component, name: string): ContentLine | undefined {
  return c.props.find((p) => p.name === name);
}

export function props(c: Component, name: string): ContentLine[] {
  return c.props.filter((p) => p.name === name);
}

/** vCards: VERSION first, FN present, N with 5 components (RFC 6350 §6.2.2), PHOTO decodable. */
export function parseVcards(text: string, version: '3.0' | '4.0'): Component[] {
  const cards = parseContentLines(text);
  for (const card of cards) {
    if (card.name !== 'VCARD') throw new Error(`unexpected component ${card.name}`);
    if (card.props[0]?.name !== 'VERSION' || card.props[0].value !== version) throw new Error(`VERSION:${version} must come first`);
    if (!prop(card, 'FN')) throw new Error('a vCard without FN');
    const n = prop(card, 'N');
    if (!n || n.value.split(/(?<!\\);/).length !== 5) throw new Error(`N must have 5 components: ${n?.value}`);
    const photo = prop(card, 'PHOTO');
    if (photo) {
      const b64 = version === '3.0' ? photo.value : /^data:image\/jpeg;base64,(.*)$/.exec(photo.value)?.[1];
      if (!b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) throw new Error('PHOTO is not base64');
      const bytes = Buffer.from(b64, 'base64');
      if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('PHOTO is not a JPEG');
    }
  }
  return cards;
}

/** iCalendar: VCALENDAR with VERSION 2.0 and PRODID; VEVENTs with UID, DTSTAMP, DTSTART in valid forms. */
export function parseIcs(text: string): Component[] {
  const roots = parseContentLines(text);
  if (roots.length !== 1 || roots[0]?.name !== 'VCALENDAR') throw new Error('an ICS file holds exactly one VCALENDAR');
  const cal = roots[0];
  if (prop(cal, 'VERSION')?.value !== '2.0' || !prop(cal, 'PRODID')) throw new Error('VCALENDAR needs VERSION:2.0 and PRODID');
  for (const e of cal.children) {
    if (e.name !== 'VEVENT') continue;
    for (const required of ['UID', 'DTSTAMP', 'DTSTART']) if (!prop(e, required)) throw new Error(`VEVENT without ${required}`);
    for (const p of e.props.filter((x) => ['DTSTART', 'DTEND', 'DTSTAMP', 'CREATED', 'LAST-MODIFIED'].includes(x.name))) {
      const ok = p.params['VALUE'] === 'DATE' ? /^\d{8}$/.test(p.value) : /^\d{8}T\d{6}Z$/.test(p.value);
      if (!ok) throw new Error(`${p.name} has an invalid value ${p.value}`);
    }
  }
  return cal.children;
}

/** ICS date-time → Date. */
export function icsDate(p: ContentLine): Date {
  const v = p.value;
  return p.params['VALUE'] === 'DATE'
    ? new Date(Date.UTC(Number(v.slice(0, 4)), Number(v.slice(4, 6)) - 1, Number(v.slice(6, 8))))
    : new Date(Date.UTC(Number(v.slice(0, 4)), Number(v.slice(4, 6)) - 1, Number(v.slice(6, 8)), Number(v.slice(9, 11)), Number(v.slice(11, 13)), Number(v.slice(13, 15))));
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/;

/**
 * XML well-formedness (the subset our pages use: an HTML5 doctype, elements, attributes, text, the
 * five XML entities and numeric references). Returns the number of elements.
 */
export function checkWellFormedXml(text: string): number {
  let i = 0;
  const stack: string[] = [];
  let elements = 0;
  let rootClosed = false;
  const fail = (why: string): never => {
    throw new Error(`XML at offset ${i} (${JSON.stringify(text.slice(Math.max(0, i - 30), i + 30))}): ${why}`);
  };
  const checkText = (s: string): void => {
    for (const m of s.matchAll(/&([^;\s]*);?/g)) if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0])) fail(`bad entity ${m[0]}`);
    if (s.includes('>') && /]]>/.test(s)) fail(']]> in text');
  };
  if (text.startsWith('<!DOCTYPE html>')) i = '<!DOCTYPE html>'.length;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    checkText(chunk);
    if (stack.length === 0 && chunk.trim() !== '') fail('text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) fail('unclosed comment');
      i = end + 3;
      continue;
    }
    const gt = text.indexOf('>', i);
    if (gt < 0) fail('unclosed tag');
    const tag = text.slice(i + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? 'nothing'}>`);
      if (stack.length === 0) rootClosed = true;
    } else {
      if (rootClosed) fail('a second root element');
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([^\s/>]+)((?:\s+[^\s=]+="[^"<]*")*)\s*$/.exec(body);
      if (!m || !NAME.test(m[1] as string)) fail(`malformed tag <${tag.slice(0, 60)}>`);
      const names = [...(m?.[2] ?? '').matchAll(/([^\s=]+)="([^"]*)"/g)].map((a) => {
        checkText(a[2] as string);
        return a[1] as string;
      });
      if (new Set(names).size !== names.length) fail('duplicate attribute');
      elements++;
      if (!selfClosing) stack.push(m?.[1] as string);
    }
    i = gt + 1;
  }
  if (stack.length) fail(`unclosed <${stack.join('>, <')}>`);
  if (!rootClosed) fail('no root element');
  return elements;
}
