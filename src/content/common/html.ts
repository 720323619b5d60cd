/**
 * HTML that is also well-formed XML ("polyglot" XHTML5): every page parses with a strict XML parser
 * and renders in any browser. Everything from the backup passes through text()/attr(), which escape
 * markup and drop code points XML forbids (C0 controls, lone surrogates, U+FFFE/FFFF); links are made
 * only for http, https, mailto and tel URLs, so a hostile `javascript:` URL stays inert text.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Replaces characters XML 1.0 cannot carry with U+FFFD. */
export function xmlSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Text content, escaped. */
export function text(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return xmlSafe(String(value)).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An attribute value, escaped (same rules; quote marks included). */
export const attr = text;

/** Text with line breaks kept as <br/>. */
export function multiline(value: string): string {
  return value.split(/\r\n|\r|\n/).map(text).join('<br/>');
}

/** A URL from the backup, or undefined when it is not one we let a person click. */
export function safeHref(url: string): string | undefined {
  return /^(https?:\/\/|mailto:|tel:)/i.test(url.trim()) ? url.trim() : undefined;
}

/** <a href> for a safe URL, otherwise the URL as plain text. */
export function link(url: string, label?: string): string {
  const href = safeHref(url);
  return href === undefined ? text(label ?? url) : `<a href="${attr(href)}" rel="noreferrer noopener">${text(label ?? url)}</a>`;
}

/** A relative link to a file we wrote (each segment percent-encoded). */
export function fileHref(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

const STYLE = `
body{font:15px/1.45 -apple-system,system-ui,"Segoe UI",Roboto,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
.msg{margin:.4rem 0;max-width:75%;padding:.45rem .75rem;border-radius:1rem;background:#e9e9eb;clear:both;float:left}
.msg.me{background:#0a84ff;color:#fff;float:right}.msg.me a{color:#fff}.meta{font-size:.75rem;opacity:.7}
.clear{clear:both}.note{white-space:normal}.reaction{font-size:.8rem;opacity:.8;font-style:italic}.muted{color:#777}
img.att{max-width:100%;border-radius:.5rem}`;

/** The start of a page up to and including <body>. */
export function pageStart(title: string, heading = title): string {
  return (
    '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n<head>\n<meta charset="utf-8"/>\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n' +
    `<title>${text(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<h1>${text(heading)}</h1>\n`
  );
}

export const PAGE_END = '</body>\n</html>\n';
