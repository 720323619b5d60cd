/**
 * Export of Notes: <folder>/<title>.md and <folder>/<title>.html per note (file times = the note's
 * modification time), index.html listing them, notes.csv with the plain text. A locked note is listed
 * as locked; its body is encrypted with the note password and not exported.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { fileHref, PAGE_END, pageStart, text } from '../common/html.js';
import type { ExportMeter } from '../common/progress.js';
import { mkdirInside, safeName, UniqueNames } from '../common/safe-path.js';
import { TextSink, writeTextFile } from '../common/sink.js';
import type { ContentSource } from '../source.js';
import { NotesReader } from './reader.js';
import { noteHtml, noteMarkdown } from './render.js';

export const NOTE_FORMATS = ['md', 'html', 'csv'] as const;
export type NoteFormat = (typeof NOTE_FORMATS)[number];

export async function exportNotes(source: ContentSource, out: string, formats: ReadonlySet<NoteFormat>, meter: ExportMeter): Promise<{ notes: number; locked: number } | undefined> {
  const reader = await NotesReader.open(source);
  if (!reader) return undefined;
  const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'notes.csv'), ['folder', 'title', 'created', 'modified', 'locked', 'text']) : undefined;
  const index = formats.has('html') ? await TextSink.open(join(out, 'index.html')) : undefined;
  const names = new Map<string, UniqueNames>();
  let notes = 0;
  let locked = 0;
  try {
    await index?.write(`${pageStart('Notes')}<table>\n<tr><th>Note</th><th>Folder</th><th>Modified</th></tr>\n`);
    for (const note of reader.notes()) {
      notes++;
      if (note.locked) locked++;
      const folder = safeName(note.folder, 'Notes');
      const unique = names.get(folder) ?? new UniqueNames();
      names.set(folder, unique);
      const stem = unique.take(safeName(note.title, `Note ${note.id}`));
      const dir = formats.has('md') || formats.has('html') ? await mkdirInside(out, [folder]) : out;
      const time = note.modified ?? note.created;
      const lockedText = 'This note is locked with a password; its text is encrypted and was not exported.';
      if (formats.has('md')) {
        const path = join(dir, `${stem}.md`);
        await writeTextFile(path, note.body ? noteMarkdown(note.body) : `# ${note.title}\n\n_${note.locked ? lockedText : 'The body of this note could not be read.'}_\n`);
        if (time) await utimes(path, time, time);
      }
      if (formats.has('html')) {
        const path = join(dir, `${stem}.html`);
        const meta = `<p class="meta">${text(note.folder)}${note.created ? ` · created ${text(note.created.toISOString())}` : ''}${note.modified ? ` · modified ${text(note.modified.toISOString())}` : ''}</p>\n`;
        await writeTextFile(path, `${pageStart(note.title)}${meta}<div class="note">${note.body ? noteHtml(note.body) : `<p class="muted">${text(note.locked ? lockedText : 'The body of this note could not be read.')}</p>`}</div>\n${PAGE_END}`);
        if (time) await utimes(path, time, time);
        await index?.write(`<tr><td><a href="${text(fileHref([folder, `${stem}.html`]))}">${text(note.title)}</a>${note.locked ? ' 🔒' : ''}</td><td>${text(note.folder)}</td><td>${text(note.modified?.toISOString() ?? '')}</td></tr>\n`);
      }
      await csv?.row([note.folder, note.title, note.created, note.modified, note.locked, note.body?.text ?? '']);
      meter.add(1);
    }
    await index?.write(`</table>\n${PAGE_END}`);
    await index?.close();
    await csv?.close();
  } catch (error) {
    index?.destroy();
    csv?.destroy();
    throw error;
  }
  return { notes, locked };
}
