/**
 * HomeDomain Library/SMS/sms.db — Messages' database, schema of iOS 17/18.
 *
 * Schema: the CREATE TABLE statements of a current Messages store (the `.schema` dump quoted in
 * public repositories, matching ReagentX/imessage-exporter docs/tables/*.md): message, chat, handle,
 * attachment, chat_handle_join, chat_message_join, message_attachment_join,
 * chat_recoverable_message_join ("Recently Deleted"), deleted_messages, kvtable, … .
 * Encodings: message.date/date_read/date_delivered/date_edited are nanoseconds since 2001 (sms.ts
 * binds bigints); attachment.created_date is seconds since 2001; text is also in attributedBody
 * (typedstream); an edit history / unsend lives in message_summary_info, a binary plist
 * {amc, ec:{"0":[{t: attributedBody, d: seconds}]}, ust, ep, otr} / {…, rp:[0]} as in
 * imessage-exporter's real test_data; tapbacks set associated_message_type 2000–2005 and
 * associated_message_guid "p:0/<GUID>". Triggers that call Messages-internal SQL functions are left
 * out so a reader or mutate() can write to the file without them.
 */
import { encodeBinaryPlist, PlistReal, type PlistDict } from '../../../src/plist/index.js';
import { attributedBody } from '../formats/typedstream.js';
import { pointHash, pointUuid } from '../prng.js';
import { appleNanos, appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { attachmentAt, attachmentSize, type AttachmentDef } from '../world/media.js';
import { chatDefs, messageStream, type ChatDef, type MessageDef } from '../world/messages.js';
import { build, insertStatement, type Db } from './sqlite.js';

export const SMS_SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE sync_deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT );
CREATE TABLE message_processing_task (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, task_flags INTEGER NOT NULL );
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service) );
CREATE TABLE sync_deleted_chats (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT,timestamp INTEGER);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE sync_deleted_attachments (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT );
CREATE TABLE kvtable (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, key TEXT UNIQUE NOT NULL, value BLOB NOT NULL);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT, associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER, message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT, ck_record_change_tag TEXT, destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT, sort_id INTEGER, is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT, thread_originator_part TEXT, syndication_ranges TEXT, synced_syndication_ranges TEXT, was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER DEFAULT 0, date_edited INTEGER DEFAULT 0, was_detonated INTEGER DEFAULT 0, part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0, is_critical INTEGER DEFAULT 0, bia_reference_id TEXT DEFAULT NULL, is_kt_verified INTEGER DEFAULT 0, fallback_hash TEXT DEFAULT NULL, associated_message_emoji TEXT DEFAULT NULL, is_pending_satellite_send INTEGER DEFAULT 0, needs_relay INTEGER DEFAULT 0, schedule_type INTEGER DEFAULT 0, schedule_state INTEGER DEFAULT 0, sent_or_received_off_grid INTEGER DEFAULT 0, date_recovered INTEGER DEFAULT 0);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER, engram_id TEXT, server_change_token TEXT, ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB, ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL, is_commsafety_sensitive INTEGER DEFAULT 0, emoji_image_content_identifier TEXT DEFAULT NULL, emoji_image_short_description TEXT DEFAULT NULL, preview_generation_state INTEGER DEFAULT 0);
CREATE TABLE chat_recoverable_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, delete_date INTEGER, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id), CHECK (delete_date != 0));
CREATE TABLE unsynced_removed_recoverable_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, chat_guid TEXT NOT NULL, message_guid TEXT NOT NULL, part_index INTEGER);
CREATE TABLE recoverable_message_part (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, part_index INTEGER, delete_date INTEGER, part_text BLOB NOT NULL, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id, part_index), CHECK (delete_date != 0));
CREATE TABLE scheduled_messages_pending_cloudkit_delete (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT );
CREATE INDEX message_idx_date ON message(date);
CREATE INDEX message_idx_thread_originator_guid ON message(thread_originator_guid);
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_handle_id ON message(handle_id);
CREATE INDEX message_idx_is_sent_is_from_me_error ON message(is_sent, is_from_me, error);
CREATE INDEX message_idx_associated_message ON message(associated_message_guid);
CREATE INDEX message_idx_cache_has_attachments ON message(cache_has_attachments);
CREATE INDEX message_idx_other_handle ON message(other_handle);
CREATE INDEX message_idx_was_downgraded ON message(was_downgraded);
CREATE INDEX message_idx_expire_state ON message(expire_state);
CREATE INDEX message_idx_is_read ON message(is_read, is_from_me, is_finished);
CREATE INDEX message_idx_failed ON message(is_finished, is_from_me, error);
CREATE INDEX chat_idx_chat_identifier_service_name ON chat(chat_identifier, service_name);
CREATE INDEX chat_idx_chat_identifier ON chat(chat_identifier);
CREATE INDEX chat_idx_chat_room_name_service_name ON chat(room_name, service_name);
CREATE INDEX chat_idx_is_archived ON chat(is_archived);
CREATE INDEX chat_idx_group_id ON chat(group_id);
CREATE INDEX chat_message_join_idx_message_date_id_chat_id ON chat_message_join(chat_id, message_date, message_id);
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
CREATE INDEX message_attachment_join_idx_attachment_id ON message_attachment_join(attachment_id);
CREATE INDEX chat_handle_join_idx_handle_id ON chat_handle_join(handle_id);
CREATE TRIGGER update_message_date_after_update_on_message AFTER UPDATE OF date ON message BEGIN UPDATE chat_message_join SET message_date = NEW.date WHERE message_id = NEW.ROWID AND message_date != NEW.date; END;
CREATE TRIGGER add_to_deleted_messages AFTER DELETE ON message BEGIN INSERT INTO deleted_messages (guid) VALUES (OLD.guid); END;
`;

/** Per-database identifiers Messages keeps constant (account GUIDs), derived from the seed. */
function accounts(ctx: WorldContext): { imessage: string; sms: string } {
  return { imessage: pointUuid(ctx.key, 1, 600), sms: pointUuid(ctx.key, 2, 600) };
}

export class SmsWriter {
  private readonly insertMessage;
  private readonly insertJoin;
  private readonly insertAttachment;
  private readonly insertAttachmentJoin;
  private readonly handleRowid;
  private readonly chatRowid;
  private readonly handles = new Map<string, number>();
  private readonly chats = new Map<string, number>();
  private readonly accountIds: { imessage: string; sms: string };

  constructor(
    private readonly db: Db,
    private readonly ctx: WorldContext,
  ) {
    this.insertMessage = insertStatement(db, `INSERT INTO message (guid, text, handle_id, attributedBody, version, service, account, account_guid, date, date_read,
      date_delivered, is_delivered, is_finished, is_from_me, is_read, is_sent, cache_has_attachments, cache_roomnames, was_data_detected,
      associated_message_guid, associated_message_type, associated_message_range_location, associated_message_range_length,
      message_summary_info, destination_caller_id, date_edited, date_retracted, part_count, sort_id)
      VALUES (@guid, @text, @handle, @body, 10, @service, @account, @accountGuid, @date, @dateRead, @dateDelivered, 1, 1, @fromMe, @isRead,
      @isSent, @hasAttachments, @room, 1, @assocGuid, @assocType, 0, @assocLength, @summary, @caller, @dateEdited, @dateRetracted, 1, 0)`);
    this.insertJoin = db.prepare('INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)');
    this.insertAttachment = db.prepare(`INSERT INTO attachment (guid, created_date, filename, uti, mime_type, transfer_state, is_outgoing, transfer_name,
      total_bytes, original_guid) VALUES (?, ?, ?, ?, ?, 5, ?, ?, ?, ?)`);
    this.insertAttachmentJoin = db.prepare('INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)');
    this.handleRowid = db.prepare<[string, string], { ROWID: number }>('SELECT ROWID FROM handle WHERE id = ? AND service = ?');
    this.chatRowid = db.prepare<[string], { ROWID: number }>('SELECT ROWID FROM chat WHERE guid = ?');
    this.accountIds = accounts(ctx);
  }

  private handle(id: string, service: string): number {
    const key = `${service}\0${id}`;
    let rowid = this.handles.get(key);
    if (rowid === undefined) {
      rowid = this.handleRowid.get(id, service)?.ROWID ?? 0;
      this.handles.set(key, rowid);
    }
    return rowid;
  }

  private chatId(guid: string): number {
    let rowid = this.chats.get(guid);
    if (rowid === undefined) {
      rowid = this.chatRowid.get(guid)?.ROWID ?? 0;
      this.chats.set(guid, rowid);
    }
    return rowid;
  }

  addChats(chats: readonly ChatDef[]): void {
    const insertChat = this.db.prepare(`INSERT INTO chat (guid, style, state, account_id, chat_identifier, service_name, room_name, account_login,
      last_addressed_handle, display_name, group_id, successful_query) VALUES (?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?, 1)`);
    const insertHandle = this.db.prepare('INSERT OR IGNORE INTO handle (id, country, service) VALUES (?, ?, ?)');
    const joinHandle = this.db.prepare('INSERT OR IGNORE INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)');
    const ids = accounts(this.ctx);
    for (const chat of chats) {
      const account = chat.service === 'iMessage' ? ids.imessage : ids.sms;
      const info = insertChat.run(chat.guid, chat.style, account, chat.identifier, chat.service, chat.roomName ?? null, `P:${this.ctx.owner.phone}`,
        this.ctx.owner.phone, chat.displayName ?? '', chat.style === 43 ? pointUuid(this.ctx.key, chat.index, 601) : null);
      for (const id of chat.participants) {
        insertHandle.run(id, 'us', chat.service);
        const handle = this.handleRowid.get(id, chat.service);
        if (handle) joinHandle.run(info.lastInsertRowid, handle.ROWID);
      }
    }
  }

  /** Inserts one message (and its attachments) into its chat; returns the message ROWID. */
  addMessage(chat: ChatDef, m: MessageDef, attachments: readonly AttachmentDef[], attachmentBytes: (a: AttachmentDef) => number): number {
    const partner = chat.style === 45 ? chat.participants[0] : m.fromMe ? undefined : m.sender;
    const handle = partner ? this.handle(partner, chat.service) : 0;
    const chatId = this.chatId(chat.guid);
    const date = appleNanos(m.date, m.nanos);
    const ns = (ms: number): bigint => appleNanos(ms, pointHash(this.ctx.key, m.index, 602) % 1_000_000);
    const summary = m.edits ? editSummary(m.edits) : m.unsent ? unsendSummary(m.unsent.originalLength) : null;
    const lastEdit = m.edits?.[m.edits.length - 1]?.date;
    const info = this.insertMessage({
      guid: m.guid,
      text: m.text,
      handle,
      body: m.text === null ? null : attributedBody(m.text),
      service: m.service,
      account: `P:${this.ctx.owner.phone}`,
      accountGuid: this.accountIds[m.service === 'iMessage' ? 'imessage' : 'sms'],
      date,
      dateRead: m.fromMe ? 0n : ns(m.date + 1000 + (pointHash(this.ctx.key, m.index, 603) % 600_000)),
      dateDelivered: m.fromMe ? ns(m.date + 2000) : 0n,
      fromMe: m.fromMe ? 1 : 0,
      isRead: m.fromMe ? 0 : 1,
      isSent: m.fromMe ? 1 : 0,
      hasAttachments: attachments.length > 0 ? 1 : 0,
      room: chat.roomName ?? null,
      assocGuid: m.reaction ? `p:0/${m.reaction.targetGuid}` : null,
      assocType: m.reaction?.type ?? 0,
      assocLength: m.reaction?.targetLength ?? 0,
      summary,
      caller: this.ctx.owner.phone,
      dateEdited: lastEdit !== undefined ? ns(lastEdit) : m.unsent ? ns(m.unsent.date) : 0n,
      dateRetracted: m.unsent ? ns(m.unsent.date) : 0n,
    });
    const rowid = Number(info.lastInsertRowid);
    this.insertJoin.run(chatId, rowid, date);
    for (const a of attachments) {
      const at = this.insertAttachment.run(a.guid, Math.floor(appleSeconds(a.created)), a.filename, a.uti, a.mime, a.outgoing ? 1 : 0, a.transferName,
        attachmentBytes(a), a.guid);
      this.insertAttachmentJoin.run(rowid, at.lastInsertRowid);
    }
    return rowid;
  }
}

export function editSummary(edits: readonly { readonly text: string; readonly date: number }[]): Buffer {
  const last = edits[edits.length - 1]?.text ?? '';
  const summary: PlistDict = {
    amc: 0,
    ec: { '0': edits.map((e) => ({ t: attributedBody(e.text), d: new PlistReal(appleSeconds(e.date)) })) },
    ust: true,
    ep: [0],
    otr: { '0': { lo: 0, le: last.length } },
  };
  return Buffer.from(encodeBinaryPlist(summary));
}

export function unsendSummary(originalLength: number): Buffer {
  return Buffer.from(encodeBinaryPlist({ amc: 0, ust: true, otr: { '0': { lo: 0, le: originalLength } }, rp: [0] }));
}

export function buildSmsDb(ctx: WorldContext, path: string): void {
  build(path, SMS_SCHEMA, (db) => {
    const chats = chatDefs(ctx);
    const writer = new SmsWriter(db, ctx);
    writer.addChats(chats);
    let count = 0;
    for (const m of messageStream(ctx, chats)) {
      const chat = chats[m.chat];
      if (!chat) continue;
      writer.addMessage(chat, m, m.attachments.map((i) => attachmentAt(ctx, i)), (a) => attachmentSize(ctx, a.index, 0));
      count++;
    }
    const props = db.prepare('INSERT INTO _SqliteDatabaseProperties (key, value) VALUES (?, ?)');
    props.run('_ClientVersion', '14006');
    props.run('counter_in_all', String(count));
    props.run('counter_last_all', String(count));
    props.run('_UniqueIdentifier', pointUuid(ctx.key, 3, 600));
  });
}
