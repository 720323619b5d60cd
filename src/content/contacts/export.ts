/**
 * Export of Contacts: contacts.vcf (vCard 3.0, what most address books import), contacts-v4.vcf
 * (vCard 4.0) and contacts.csv — each person streamed into every chosen file, photos embedded in the
 * vCards.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import type { ExportMeter } from '../common/progress.js';
import { TextSink } from '../common/sink.js';
import type { ContentSource } from '../source.js';
import { ContactsReader, displayName } from './reader.js';
import { vcard } from './vcard.js';

export const CONTACT_FORMATS = ['vcf', 'vcf4', 'csv'] as const;
export type ContactFormat = (typeof CONTACT_FORMATS)[number];

export async function exportContacts(source: ContentSource, out: string, formats: ReadonlySet<ContactFormat>, meter: ExportMeter): Promise<{ contacts: number; photos: number } | undefined> {
  const reader = await ContactsReader.open(source);
  if (!reader) return undefined;
  const v3 = formats.has('vcf') ? await TextSink.open(join(out, 'contacts.vcf')) : undefined;
  const v4 = formats.has('vcf4') ? await TextSink.open(join(out, 'contacts-v4.vcf')) : undefined;
  const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'contacts.csv'), ['name', 'first', 'last', 'organization', 'job_title', 'phones', 'emails', 'birthday', 'note']) : undefined;
  let contacts = 0;
  let photos = 0;
  try {
    for (const c of reader.contacts()) {
      const photo = v3 || v4 ? reader.image(c.id) : undefined;
      if (photo) photos++;
      await v3?.write(vcard(c, '3.0', photo));
      await v4?.write(vcard(c, '4.0', photo));
      await csv?.row([displayName(c), c.first, c.last, c.organization, c.jobTitle, c.phones.map((p) => p.value).join('; '), c.emails.map((m) => m.value).join('; '), c.birthday?.toISOString().slice(0, 10), c.note]);
      contacts++;
      meter.add(1);
    }
    await v3?.close();
    await v4?.close();
    await csv?.close();
  } catch (error) {
    v3?.destroy();
    v4?.destroy();
    csv?.destroy();
    throw error;
  }
  return { contacts, photos };
}
