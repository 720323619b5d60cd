/**
 * Messages from HomeDomain Library/SMS/sms.db, one conversation at a time.
 *
 * Nouns: a *chat* is a conversation (style 45 one-to-one, 43 group) whose members are handles joined
 * through chat_handle_join; its messages are those in chat_message_join — messages moved to "Recently
 * Deleted" leave that table for chat_recoverable_message_join and are not shown. A message's *text* is
 * `text`, or the string inside `attributedBody` when `text` is NULL; its *edit history* and *unsend*
 * live in `message_summary_info`, a binary plist {ec: {"0": [{t: attributedBody, d}]}, rp: [0] …}; a
 * *reaction* (tapback) has associated_message_type 2000–2005 (3000–3005 remove one) and points at its
 * target through associated_message_guid "p:0/<GUID>" or "bp:<GUID>". Attachments are
 * attachment rows whose `filename` "~/Library/SMS/Attachments/…" names a MediaDomain file. Dates are
 * nanoseconds since 2001 (read as bigints so no precision is lost). Facts: imessage-exporter
 * docs/tables, MVT sms.py, iLEAPP sms.py. Messages are yielded one by one from one SQLite iterator.
 */
import { parsePlist, type PlistDict, type PlistValue } from '../../plist/index.js';
import { fromAppleNanosOrSeconds } from '../common/dates.js';
import { attributedBodyText } from '../common/typedstream.js';
import { columnsOf, schemaError, tableExists, type ContentSource, type Db } from '../source.js';

export const SMS_DB = { domain: 'HomeDomain', path: 'Library/SMS/sms.db' } as const;
export const ATTACHMENTS_DOMAIN = 'MediaDomain';

export interface Chat {
  readonly id: number;
  readonly guid: string;
  readonly identifier: string;
  readonly service: string;
  readonly displayName?: string;
  readonly isGroup: boolean;
  readonly participants: readonly string[];
  readonly messageCount: number;
}

export interface MessageAttachment {
  readonly guid: string;
  readonly name: string;
  readonly mimeType?: string;
  readonly uti?: string;
  readonly bytes: number;
  /** MediaDomain relative path, when `filename` names one. */
  readonly relativePath?: string;
  readonly created?: Date;
}

export const REACTIONS: Readonly<Record<number, string>> = { 0: 'Loved', 1: 'Liked', 2: 'Disliked', 3: 'Laughed at', 4: 'Emphasized', 5: 'Questioned' };

export interface Message {
  readonly id: number;
  readonly guid: string;
  /** '' for an unsent message; U+FFFC marks where an attachment sits. */
  readonly text: string;
  readonly fromMe: boolean;
  /** Handle of the sender (the owner's number or account when fromMe, when known). */
  readonly sender: string;
  readonly date?: Date;
  readonly service: string;
  /** Versions oldest first; the last is `text`. */
  readonly edits?: readonly string[];
  readonly unsent: boolean;
  readonly reaction?: { readonly type: number; readonly verb: string; readonly removed: boolean; readonly targetGuid: string };
  readonly replyTo?: string;
  readonly attachments: readonly MessageAttachment[];
}

/** "~/Library/SMS/…", "/var/mobile/Library/SMS/…" → "Library/SMS/…" (MediaDomain). */
export function attachmentRelativePath(filename: string | null | undefined): string | undefined {
  if (!filename) return undefined;
  const m = /^(?:~\/|\/private\/var\/mobile\/|\/var\/mobile\/)(Library\/SMS\/.+)$/.exec(filename);
  return m?.[1];
}

function summaryInfo(blob: unknown): { edits?: string[]; unsent: boolean } {
  if (!(blob instanceof Uint8Array) || blob.length === 0) return { unsent: false };
  let dict: PlistValue;
  try {
    dict = parsePlist(blob, { limits: { maxBytes: 4 * 1024 * 1024 } });
  } catch {
    return { unsent: false };
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict) || dict instanceof Uint8Array || dict instanceof Date) return { unsent: false };
  const d = dict as PlistDict;
  const ec = d['ec'];
  let edits: string[] | undefined;
  if (ec && typeof ec === 'object' && !Array.isArray(ec)) {
    const part = (ec as PlistDict)['0'];
    if (Array.isArray(part)) {
      edits = part.map((e) => (e && typeof e === 'object' && !Array.isArray(e) ? (attributedBodyText((e as PlistDict)['t'] as Uint8Array) ?? '') : ''));
    }
  }
  const rp = d['rp'];
  return { ...(edits && edits.length > 0 ? { edits } : {}), unsent: Array.isArray(rp) && rp.length > 0 };
}

export class MessagesReader {
  private constructor(
    private readonly db: Db,
    private readonly hasRecoverable: boolean,
  ) {}

  static async open(source: ContentSource): Promise<MessagesReader | undefined> {
    const db = await source.database(SMS_DB.domain, SMS_DB.path);
    if (db === undefined || !tableExists(db, 'message') || !tableExists(db, 'chat_message_join')) return undefined;
    return new MessagesReader(db, tableExists(db, 'chat_recoverable_message_join'));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM chat_message_join').get() as { n: number }).n;
  }

  attachmentCount(): number {
    if (!tableExists(this.db, 'message_attachment_join')) return 0;
    return (this.db.prepare('SELECT count(*) AS n FROM message_attachment_join j JOIN chat_message_join c ON c.message_id = j.message_id').get() as { n: number }).n;
  }

  recentlyDeletedCount(): number {
    return this.hasRecoverable ? (this.db.prepare('SELECT count(*) AS n FROM chat_recoverable_message_join').get() as { n: number }).n : 0;
  }

  /** Every chat with its members and message count (a phone has at most thousands). */
  chats(): Chat[] {
    try {
      const members = this.db.prepare('SELECT h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id WHERE j.chat_id = ? ORDER BY h.ROWID');
      const rows = this.db
        .prepare(
          `SELECT c.ROWID AS id, c.guid, c.chat_identifier AS identifier, c.service_name AS service, c.display_name AS displayName, c.style,
           (SELECT count(*) FROM chat_message_join j WHERE j.chat_id = c.ROWID) AS messages FROM chat c ORDER BY c.ROWID`,
        )
        .all() as { id: number; guid: string; identifier: string | null; service: string | null; displayName: string | null; style: number | null; messages: number }[];
      return rows.map((r) => ({
        id: r.id,
        guid: String(r.guid),
        identifier: r.identifier ?? '',
        service: r.service ?? '',
        ...(r.displayName ? { displayName: r.displayName } : {}),
        isGroup: r.style === 43,
        participants: (members.all(r.id) as { id: string }[]).map((h) => h.id),
        messageCount: r.messages,
      }));
    } catch (error) {
      throw schemaError('sms.db', error);
    }
  }

  /** The chat's messages in time order, one at a time. */
  *messages(chat: Pick<Chat, 'id'>): Generator<Message> {
    const cols = columnsOf(this.db, 'message');
    const opt = (name: string, fallback = 'NULL'): string => (cols.has(name) ? `m.${name}` : `${fallback} AS ${name}`);
    let statement;
    let attachments;
    try {
      statement = this.db
        .prepare(
          `SELECT m.ROWID AS id, m.guid, m.text, m.attributedBody, m.is_from_me, m.date, m.service, m.cache_has_attachments,
           ${opt('associated_message_guid')}, ${opt('associated_message_type', '0')}, ${opt('message_summary_info')}, ${opt('date_retracted', '0')},
           ${opt('destination_caller_id')}, ${opt('account')}, ${opt('thread_originator_guid')}, ${opt('item_type', '0')}, h.id AS handle
           FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id LEFT JOIN handle h ON h.ROWID = m.handle_id
           WHERE j.chat_id = ? ORDER BY j.message_date, m.ROWID`,
        )
        .safeIntegers(true);
      attachments = tableExists(this.db, 'attachment')
        ? this.db
            .prepare(
              `SELECT a.guid, a.filename, a.transfer_name, a.mime_type, a.uti, a.total_bytes, a.created_date FROM message_attachment_join j
               JOIN attachment a ON a.ROWID = j.attachment_id WHERE j.message_id = ? ORDER BY a.ROWID`,
            )
            .safeIntegers(true)
        : undefined;
    } catch (error) {
      throw schemaError('sms.db', error);
    }
    for (const r of statement.iterate(BigInt(chat.id)) as Iterable<Record<string, unknown>>) {
      const id = Number(r['id']);
      const summary = summaryInfo(r['message_summary_info']);
      const rawText = typeof r['text'] === 'string' ? r['text'] : attributedBodyText(r['attributedBody'] as Uint8Array | null);
      const unsent = summary.unsent || (rawText === undefined && BigInt((r['date_retracted'] as bigint | null) ?? 0n) !== 0n);
      const type = Number(r['associated_message_type'] ?? 0);
      const target = typeof r['associated_message_guid'] === 'string' ? r['associated_message_guid'].replace(/^(p:\d+\/|bp:)/, '') : '';
      const fromMe = Number(r['is_from_me']) === 1;
      const caller = typeof r['destination_caller_id'] === 'string' ? r['destination_caller_id'] : typeof r['account'] === 'string' ? r['account'].replace(/^[A-Za-z]:/, '') : '';
      const list: MessageAttachment[] = [];
      if (attachments && Number(r['cache_has_attachments'] ?? 0) !== 0) {
        for (const a of attachments.iterate(BigInt(id)) as Iterable<Record<string, unknown>>) {
          const relativePath = attachmentRelativePath(a['filename'] as string | null);
          const name = (a['transfer_name'] as string | null) || (relativePath ? relativePath.slice(relativePath.lastIndexOf('/') + 1) : 'attachment');
          list.push({
            guid: String(a['guid']),
            name,
            ...(a['mime_type'] ? { mimeType: String(a['mime_type']) } : {}),
            ...(a['uti'] ? { uti: String(a['uti']) } : {}),
            bytes: Number(a['total_bytes'] ?? 0),
            ...(relativePath ? { relativePath } : {}),
            created: fromAppleNanosOrSeconds(a['created_date']),
          });
        }
      }
      yield {
        id,
        guid: String(r['guid']),
        text: unsent ? '' : (rawText ?? ''),
        fromMe,
        sender: fromMe ? caller : typeof r['handle'] === 'string' ? r['handle'] : '',
        date: fromAppleNanosOrSeconds(r['date']),
        service: typeof r['service'] === 'string' ? r['service'] : '',
        ...(summary.edits && !unsent ? { edits: summary.edits } : {}),
        unsent,
        ...((type >= 2000 && type <= 2005) || (type >= 3000 && type <= 3005)
          ? { reaction: { type, verb: REACTIONS[type % 1000] ?? 'Reacted to', removed: type >= 3000, targetGuid: target } }
          : {}),
        ...(typeof r['thread_originator_guid'] === 'string' ? { replyTo: r['thread_originator_guid'] } : {}),
        attachments: list,
      };
    }
  }
}
