/**
 * The owner's address book.
 *
 * Nouns: a *contact* is one ABPerson with its multi-values (phones, e-mails); contact j's phone number is
 * slot `(7j + k) mod 3000` of the fiction range (30 area codes × 555-0100…0199), so numbers are unique
 * for up to 2,500 contacts and never the owner's. Contacts 0… are also the chat partners in
 * messages.ts and callers in misc.ts, most frequent first.
 */
import { AREA_CODES, FIRST_NAMES, LAST_NAMES, MAIL_DOMAINS, ORGANIZATIONS } from '../names.js';
import { pointHash, pointUnit } from '../prng.js';
import type { WorldContext } from './context.js';

export interface Contact {
  readonly index: number;
  readonly first?: string;
  readonly last?: string;
  readonly organization?: string;
  readonly jobTitle?: string;
  /** E.164 numbers and their Contacts labels (`_$!<Mobile>!$_` …). */
  readonly phones: readonly { readonly e164: string; readonly label: string }[];
  readonly emails: readonly { readonly address: string; readonly label: string }[];
  readonly birthday?: number;
  readonly note?: string;
  readonly hasImage: boolean;
  readonly created: number;
  readonly modified: number;
}

const SLOTS = AREA_CODES.length * 100;
export const LABEL_MOBILE = '_$!<Mobile>!$_';
export const LABEL_HOME = '_$!<Home>!$_';
export const LABEL_WORK = '_$!<Work>!$_';
export const LABEL_IPHONE = 'iPhone';

export function phoneForSlot(slot: number): string {
  const s = ((slot % SLOTS) + SLOTS) % SLOTS;
  const area = AREA_CODES[s % AREA_CODES.length] ?? '206';
  return `+1${area}5550${String(100 + Math.floor(s / AREA_CODES.length)).padStart(3, '0')}`;
}

function asciiFold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '').toLowerCase();
}

/** Contact `index` (0-based). Pure: the same index always gives the same person. */
export function contactAt(ctx: WorldContext, index: number): Contact {
  const h = (salt: number): number => pointHash(ctx.key, index, 100 + salt);
  const u = (salt: number): number => pointUnit(ctx.key, index, 100 + salt);
  const orgOnly = u(1) < 0.08;
  const first = orgOnly ? undefined : FIRST_NAMES[h(2) % FIRST_NAMES.length];
  const last = orgOnly ? undefined : LAST_NAMES[h(3) % LAST_NAMES.length];
  const organization = orgOnly || u(4) < 0.25 ? ORGANIZATIONS[h(5) % ORGANIZATIONS.length] : undefined;
  let slot = (index * 7 + (ctx.key % 97)) % SLOTS;
  if (phoneForSlot(slot) === ctx.owner.phone) slot = (slot + SLOTS - 1) % SLOTS;
  const phones = [{ e164: phoneForSlot(slot), label: orgOnly ? LABEL_WORK : u(6) < 0.3 ? LABEL_IPHONE : LABEL_MOBILE }];
  if (!orgOnly && u(7) < 0.15) phones.push({ e164: phoneForSlot(slot + 1500), label: LABEL_WORK });
  const emails: { address: string; label: string }[] = [];
  if (first && last && u(8) < 0.6) {
    emails.push({ address: `${asciiFold(first)}.${asciiFold(last)}${index}@${MAIL_DOMAINS[h(9) % MAIL_DOMAINS.length]}`, label: LABEL_HOME });
  }
  if (organization && u(10) < 0.5) emails.push({ address: `info${index}@example.com`, label: LABEL_WORK });
  const created = ctx.now - (200 + (h(11) % 2000)) * 86_400_000 - (h(12) % 86_400) * 1000;
  const modified = Math.min(ctx.now - 3_600_000, created + (h(13) % 400) * 86_400_000);
  const birthday = !orgOnly && u(14) < 0.3 ? Date.UTC(1960 + (h(15) % 45), h(16) % 12, 1 + (h(17) % 28), 12) : undefined;
  return {
    index,
    ...(first === undefined ? {} : { first }),
    ...(last === undefined ? {} : { last }),
    ...(organization === undefined ? {} : { organization }),
    ...(organization && !orgOnly ? { jobTitle: 'Manager' } : {}),
    phones,
    emails,
    ...(birthday === undefined ? {} : { birthday }),
    ...(u(18) < 0.1 ? { note: 'Met at the climbing gym' } : {}),
    hasImage: !orgOnly && u(19) < 0.3,
    created,
    modified,
  };
}

export function contacts(ctx: WorldContext): Contact[] {
  const out: Contact[] = [];
  for (let i = 0; i < ctx.plan.contacts; i++) out.push(contactAt(ctx, i));
  return out;
}

export function displayName(c: Pick<Contact, 'first' | 'last' | 'organization'>): string {
  return [c.first, c.last].filter(Boolean).join(' ') || c.organization || 'No Name';
}
