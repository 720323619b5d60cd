/**
 * One message as HTML for a conversation page: a bubble (right and blue when sent by the owner) with
 * sender, time, text, attachments (images inline when a browser can show them, other files as
 * links), edit history, "unsent" and reactions. Everything from the backup is escaped (common/html.ts).
 */
import { fileHref, multiline, text } from '../common/html.js';
import type { Message } from './reader.js';

/** Browsers show these inline; HEIC and the rest become links. */
const INLINE_IMAGE = /^image\/(jpeg|png|gif|webp)$/i;

export interface RenderedAttachment {
  readonly name: string;
  readonly mimeType?: string;
  /** Path segments relative to the page, when the file was copied. */
  readonly href?: readonly string[];
}

export function messageHtml(m: Message, senderName: string, attachments: readonly RenderedAttachment[]): string {
  const when = m.date ? m.date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown time';
  let body: string;
  if (m.unsent) body = '<span class="muted">This message was unsent.</span>';
  else if (m.reaction) body = `<span class="reaction">${text(m.text)}</span>`;
  else body = multiline(m.text.replace(/\ufffc/g, '').trim());
  const files = attachments
    .map((a) => {
      if (!a.href) return `<div class="muted">[attachment not in this backup: ${text(a.name)}]</div>`;
      const href = fileHref(a.href);
      return a.mimeType && INLINE_IMAGE.test(a.mimeType)
        ? `<div><a href="${text(href)}"><img class="att" src="${text(href)}" alt="${text(a.name)}"/></a></div>`
        : `<div><a href="${text(href)}">${text(a.name)}</a></div>`;
    })
    .join('');
  const edits =
    m.edits && m.edits.length > 1
      ? `<div class="meta">Edited; earlier versions: ${m.edits.slice(0, -1).map((e) => `“${text(e)}”`).join(', ')}</div>`
      : '';
  return (
    `<div class="msg${m.fromMe ? ' me' : ''}" id="m${m.id}"><div class="meta">${text(senderName)} · ${text(when)}${m.service ? ` · ${text(m.service)}` : ''}</div>` +
    `${body}${files}${edits}</div>\n`
  );
}
