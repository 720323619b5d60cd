/**
 * Inputs of the read benchmark, built once per run in a temp folder: an encrypted backup of N large
 * files (for decryption throughput), a backup whose Manifest.db has 100,000 rows (for listing; no
 * blobs, listing does not read them), and an unencrypted backup whose sms.db holds 100,000 messages in
 * the real iOS schema (for export).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackupFolderWriter, buildInfoPlist, buildManifestPlist, buildStatusPlist, ManifestDbWriter } from '../src/format/index.js';
import { SMS_SCHEMA } from '../sim/data/content/sms.js';
import { attributedBody } from '../sim/data/formats/typedstream.js';

export const DEVICE = { deviceName: 'Bench iPhone', productType: 'iPhone16,1', productVersion: '18.3', buildVersion: '22D63', serialNumber: 'BENCH0001', udid: '00008130-000A1B2C3D4E5F60' };
export const BENCH_PASSWORD = 'bench password';

/** `count` files of `fileBytes` each (random-looking bytes, so nothing compresses or dedups). */
export async function buildEncryptedBackup(dir: string, count: number, fileBytes: number): Promise<BackupFolderWriter> {
  const writer = await BackupFolderWriter.create(dir, { device: DEVICE, password: BENCH_PASSWORD, keybag: { iterations: 10, dpIterations: 10 } });
  const block = randomBytes(4 * 1024 * 1024);
  for (let i = 0; i < count; i++) {
    const chunks = function* (): Generator<Buffer> {
      for (let at = 0; at < fileBytes; at += block.length) {
        const part = Buffer.from(block.subarray(0, Math.min(block.length, fileBytes - at)));
        part.writeUInt32LE(i, 0);
        part.writeUInt32LE(at, 4);
        yield part;
      }
    };
    await writer.addFile('CameraRollDomain', `Media/DCIM/100APPLE/IMG_${String(i).padStart(4, '0')}.MOV`, chunks(), { protectionClass: 3 });
  }
  await writer.finish();
  return writer;
}

/** A backup folder with only plists and a Manifest.db of `rows` file rows spread over 20 domains. */
export function buildLargeManifest(dir: string, rows: number): void {
  mkdirSync(dir, { recursive: true });
  const date = new Date();
  const db = ManifestDbWriter.create(join(dir, 'Manifest.db'));
  for (let i = 0; i < rows; i++) {
    const domain = i % 20 === 0 ? 'HomeDomain' : `AppDomain-com.example.app${i % 20}`;
    const relativePath = `Documents/folder${Math.floor(i / 500)}/file-${i}.dat`;
    db.add({ domain, relativePath, file: { relativePath, mode: 0o100644, size: 1000 + i, lastModified: 1_700_000_000 + i, birth: 1_700_000_000, lastStatusChange: 1_700_000_000 + i, protectionClass: 3, inode: 1_000_000 + i, userId: 501, groupId: 501 } });
  }
  db.finish();
  writeFileSync(join(dir, 'Info.plist'), buildInfoPlist({ device: DEVICE, lastBackupDate: date }));
  writeFileSync(join(dir, 'Manifest.plist'), buildManifestPlist({ device: DEVICE, date }));
  writeFileSync(join(dir, 'Status.plist'), buildStatusPlist({ date, isFullBackup: true }));
}

const PHRASES = ['On my way!', 'See you at 7, ok?', 'Did you see "the game" last night?', 'Thanks 🙏', 'Call me when you can\nIt is about Saturday', 'Running late & stuck in traffic', 'Sounds good'];

/** An unencrypted backup holding an sms.db with `messages` messages in 40 chats (5 % tapbacks). */
export async function buildMessagesBackup(work: string, dir: string, messages: number): Promise<void> {
  const path = join(work, 'sms.db');
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.exec(SMS_SCHEMA);
  const chats = 40;
  db.transaction(() => {
    const handle = db.prepare(`INSERT INTO handle (id, service) VALUES (?, 'iMessage')`);
    const chat = db.prepare(`INSERT INTO chat (guid, style, chat_identifier, service_name, display_name) VALUES (?, ?, ?, 'iMessage', ?)`);
    const join1 = db.prepare('INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)');
    for (let c = 1; c <= chats; c++) {
      handle.run(`+1206555${String(1000 + c)}`);
      chat.run(`iMessage;-;+1206555${1000 + c}`, c % 8 === 0 ? 43 : 45, `+1206555${1000 + c}`, c % 8 === 0 ? `Group ${c}` : '');
      join1.run(c, c);
    }
    const message = db.prepare(`INSERT INTO message (guid, text, attributedBody, handle_id, service, date, is_from_me, associated_message_guid, associated_message_type)
      VALUES (?, ?, ?, ?, 'iMessage', ?, ?, ?, ?)`);
    const join2 = db.prepare('INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)');
    const start = 600_000_000_000_000_000n;
    for (let m = 1; m <= messages; m++) {
      const c = 1 + (m % chats);
      const reaction = m % 20 === 0;
      const text = reaction ? `Loved “${PHRASES[m % PHRASES.length]}”` : `${PHRASES[m % PHRASES.length]} #${m}`;
      const date = start + BigInt(m) * 60_000_000_000n;
      message.run(`M-${m}`, text, attributedBody(text), c, date, m % 3 === 0 ? 1 : 0, reaction ? `p:0/M-${m - 1}` : null, reaction ? 2000 : 0);
      join2.run(c, m, date);
    }
  })();
  db.close();
  const writer = await BackupFolderWriter.create(dir, { device: DEVICE });
  await writer.addFile('HomeDomain', 'Library/SMS/sms.db', readFileSync(path));
  await writer.finish();
}
