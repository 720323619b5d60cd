/**
 * A decoded note rendered as Markdown and as HTML. The text is cut into *lines*; each line takes its
 * paragraph style from the attribute run covering its end (as Notes applies styles per paragraph) and
 * keeps inline bold, italic, strikethrough and links from the runs inside it.
 */
import { attr, safeHref, text as escapeHtml } from '../common/html.js';
import type { AttributeRun, NoteBody } from './body.js';

interface Span {
  readonly text: string;
  readonly run: AttributeRun | undefined;
}

interface Line {
  readonly spans: Span[];
  style: AttributeRun | undefined;
}

export function noteLines(body: NoteBody): Line[] {
  const lines: Line[] = [{ spans: [], style: undefined }];
  let at = 0;
  const pieces: { text: string; run: AttributeRun | undefined }[] = [];
  for (const run of body.runs) {
    if (at >= body.text.length) break;
    pieces.push({ text: body.text.slice(at, at + run.length), run });
    at += run.length;
  }
  if (at < body.text.length) pieces.push({ text: body.text.slice(at), run: undefined });
  for (const piece of pieces) {
    const parts = piece.text.split('\n');
    parts.forEach((part, k) => {
      const line = lines[lines.length - 1] as Line;
      if (part) line.spans.push({ text: part, run: piece.run });
      line.style ??= piece.run;
      if (k < parts.length - 1) {
        line.style = piece.run;
        lines.push({ spans: [], style: undefined });
      }
    });
  }
  if (lines.length > 1 && (lines[lines.length - 1] as Line).spans.length === 0) lines.pop();
  return lines;
}

function mdEscape(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, '\\$1');
}

function mdInline(span: Span): string {
  let s = mdEscape(span.text);
  const r = span.run;
  if (r?.bold) s = `**${s}**`;
  if (r?.italic) s = `_${s}_`;
  if (r?.strike) s = `~~${s}~~`;
  if (r?.link && /^(https?:|mailto:)/i.test(r.link)) s = `[${s}](<${r.link.replace(/[<>\s]/g, encodeURIComponent)}>)`;
  return s;
}

export function noteMarkdown(body: NoteBody): string {
  const out: string[] = [];
  let inCode = false;
  for (const line of noteLines(body)) {
    const style = line.style?.style;
    const raw = line.spans.map((s) => s.text).join('');
    if (style === 4) {
      if (!inCode) out.push('```');
      inCode = true;
      out.push(raw.replace(/```/g, '`\u200b``'));
      continue;
    }
    if (inCode) out.push('```');
    inCode = false;
    let inline = line.spans.map(mdInline).join('');
    if (style === undefined || style > 4) inline = inline.replace(/^([#>+-]|\d+\.)/, '\\$1');
    const indent = '  '.repeat(Math.min(line.style?.indent ?? 0, 10));
    if (style === 0) out.push(`# ${inline}`);
    else if (style === 1) out.push(`## ${inline}`);
    else if (style === 2) out.push(`### ${inline}`);
    else if (style === 100 || style === 101) out.push(`${indent}- ${inline}`);
    else if (style === 102) out.push(`${indent}1. ${inline}`);
    else if (style === 103) out.push(`${indent}- [${line.style?.checked ? 'x' : ' '}] ${inline}`);
    else out.push(inline);
  }
  if (inCode) out.push('```');
  return `${out.join('\n\n').replace(/\n\n(?=(\s*- |\s*1\. ))/g, '\n')}\n`;
}

function htmlInline(span: Span): string {
  let s = escapeHtml(span.text);
  const r = span.run;
  if (r?.bold) s = `<strong>${s}</strong>`;
  if (r?.italic) s = `<em>${s}</em>`;
  if (r?.strike) s = `<s>${s}</s>`;
  const href = r?.link ? safeHref(r.link) : undefined;
  if (href) s = `<a href="${attr(href)}" rel="noreferrer noopener">${s}</a>`;
  return s;
}

export function noteHtml(body: NoteBody): string {
  const out: string[] = [];
  let list: string | undefined;
  const close = (): void => {
    if (list) out.push(`</${list}>`);
    list = undefined;
  };
  for (const line of noteLines(body)) {
    const style = line.style?.style;
    const inner = line.spans.map(htmlInline).join('');
    const wanted = style === 100 || style === 101 || style === 103 ? 'ul' : style === 102 ? 'ol' : undefined;
    if (wanted !== list) {
      close();
      if (wanted) out.push(`<${wanted}>`);
      list = wanted;
    }
    if (wanted) out.push(`<li>${style === 103 ? (line.style?.checked ? '☑ ' : '☐ ') : ''}${inner}</li>`);
    else if (style === 0) out.push(`<h2>${inner}</h2>`);
    else if (style === 1) out.push(`<h3>${inner}</h3>`);
    else if (style === 2) out.push(`<h4>${inner}</h4>`);
    else if (style === 4) out.push(`<pre>${inner}</pre>`);
    else out.push(inner === '' ? '<p>&#160;</p>' : `<p>${inner}</p>`);
  }
  close();
  return `${out.join('\n')}\n`;
}
