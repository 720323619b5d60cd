/**
 * A hostile phone (`fault=hostile:<kind>`): during a backup, after sending its files, it tries to make
 * the host touch things outside the backup folder, or to break the host's framing. Every attempt and
 * the host's answer are recorded in a HostileReport (lastHostileReport) so tests can check that each
 * bad operation was refused while the rest of the backup carried on.
 *
 * Kinds whose attacks the host can refuse one by one (dotdot, absolute, nul, other-udid, symlink) then
 * finish the backup normally, as if nothing happened. The others end with something no host can stay
 * in step with — a 5000-byte name (overlong), a short block followed by silence (size-lie), a 4 GiB
 * block (huge-block) or a 4 GiB DeviceLink frame (huge-frame) — and wait (bounded) for the host to
 * hang up.
 *
 * Targets are named so a test can plant bait: SENTINEL files next to and above the vault (reached by
 * "../" climbs), the directory hostileAbsoluteDir(udid) for absolute paths, and the symlinks
 * PLANTED_DIR and PLANTED_FILE a test plants in the staging folder's `<UDID>/`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PlistReal, type PlistValue } from '../../src/plist/index.js';
import { encodePlistFrame, isPlistDict } from '../../src/protocol/wire/plist-frame.js';
import { encodeBlockHeader, encodeName, END_OF_FILE, END_OF_STREAM, FileCode } from '../../src/protocol/services/mobilebackup2/file-stream.js';
import type { VirtualIPhone } from '../device/virtual-iphone.js';
import type { BackupFaultHooks } from '../services/mobilebackup2/agent-context.js';
import { MemorySink, type HostLink } from '../services/mobilebackup2/host-link.js';
import { HOST_REACTION_BOUND_MS, InjectedFault, untilClosed } from './link-tools.js';
import type { HostileKind } from './spec.js';

export const SENTINEL = 'lifeboat-sentinel';
export const PLANTED_DIR = 'lifeboat-planted-dir';
export const PLANTED_FILE = 'lifeboat-planted-file';
/** Another phone's UDID, for paths outside the phone's own folder. */
export const OTHER_UDID = '00008030-001A2B3C4D5E6F70';
/** Deepest "../" climb tried: from the staging run folder past the vault root and its parent. */
const MAX_CLIMB = 7;
const PAYLOAD = Buffer.from('written by a hostile virtual iPhone\n');

/** The absolute directory the `absolute` kind aims at (a test plants a SENTINEL in it). */
export function hostileAbsoluteDir(udid: string): string {
  return join(tmpdir(), `lifeboat-hostile-${udid}`);
}

export interface HostileAttempt {
  readonly op: string;
  readonly path: string;
  /** "refused": the host must answer with an error; "harmless": allowed, but must stay in the backup folder. */
  readonly expect: 'refused' | 'harmless';
  /** The host's status code; undefined when the host hung up instead. */
  readonly status: number | undefined;
  readonly description: string | undefined;
  /** Bytes (downloads) or directory entries (listings) the host handed over. */
  readonly leaked: number;
}

export interface HostileReport {
  readonly kind: HostileKind;
  readonly attempts: HostileAttempt[];
  /** How the attack ended: the backup went on, or the host hung up on the final attack (or the bound ran out). */
  ended: 'running' | 'continued' | 'host-hung-up' | 'bound-reached';
}

const reports = new WeakMap<VirtualIPhone, HostileReport>();

/** The report of the phone's latest hostile backup. */
export function lastHostileReport(phone: VirtualIPhone): HostileReport | undefined {
  return reports.get(phone);
}

export function hostileFaults(phone: VirtualIPhone, link: HostLink, kind: HostileKind): BackupFaultHooks {
  return {
    async afterFileData() {
      const report: HostileReport = { kind, attempts: [], ended: 'running' };
      reports.set(phone, report);
      const attacker = new Attacker(link, report);
      phone.logger.log('info', 'hostile phone attacking', { udid: phone.udid, kind });
      await ATTACKS[kind](attacker, phone.udid);
      report.ended = 'continued';
      return undefined;
    },
  };
}

const climbs = (levels: number, tail: string): string[] => Array.from({ length: levels }, (_, i) => `${'../'.repeat(i + 1)}${tail}`);

const ATTACKS: Record<HostileKind, (a: Attacker, udid: string) => Promise<void>> = {
  async dotdot(a, u) {
    for (const path of [...climbs(MAX_CLIMB, SENTINEL), `${u}/../../${SENTINEL}`, `${u}/Snapshot/../../../../${SENTINEL}`, `${u}/..`]) await a.upload(path);
    await a.mkdir(`../../../lifeboat-hostile-dir`);
    await a.move(`${u}/Status.plist`, `../../../../${SENTINEL}`);
    await a.move('../../snapshots', `${u}/stolen-snapshots`);
    for (const path of ['../../snapshots', '../../lock', ...climbs(MAX_CLIMB, SENTINEL), '..', `${u}/../..`]) await a.remove(path);
    await a.copy('../../snapshots', `${u}/stolen`);
    await a.copy(`${u}/Status.plist`, `../../../${SENTINEL}`);
    await a.download([...climbs(MAX_CLIMB, SENTINEL), '../../lock', '../../../../../../../../etc/passwd']);
    await a.contents('..');
    await a.contents(`${u}/../..`);
  },

  async absolute(a, u) {
    const dir = hostileAbsoluteDir(u);
    for (const path of [`${dir}/pwned`, `${dir}/${SENTINEL}`, `/${u}/Status.plist`, `//${u}/x`]) await a.upload(path);
    await a.mkdir(`${dir}/newdir`);
    await a.move(`${u}/Status.plist`, `${dir}/moved`);
    await a.move(`${dir}/${SENTINEL}`, `${u}/stolen`);
    await a.remove(`${dir}/${SENTINEL}`);
    await a.remove(dir);
    await a.copy('/etc/passwd', `${u}/passwd`);
    await a.copy(`${u}/Status.plist`, `${dir}/copied`);
    await a.download(['/etc/passwd', `${dir}/${SENTINEL}`]);
    await a.contents('/');
    await a.contents(dir);
  },

  async nul(a, u) {
    for (const path of [`${u}/Snapshot/evil\u0000/../../../../${SENTINEL}`, `${u}\u0000/../${SENTINEL}`, `${u}/x\u0000`, `\u0000${u}/x`]) await a.upload(path);
    await a.mkdir(`${u}/d\u0000ir`);
    await a.move(`${u}/Status.plist`, `${u}/moved\u0000/../../${SENTINEL}`);
    await a.remove(`${u}\u0000/../..`);
    await a.copy(`${u}/Status.plist\u0000`, `${u}/copied`);
    await a.download([`${u}/Status.plist\u0000/../../../../${SENTINEL}`]);
    await a.contents(`${u}\u0000`);
  },

  async overlong(a, u) {
    const longName = 'a'.repeat(256);
    await a.upload(`${u}/${longName}`);
    await a.upload(`${u}/Snapshot/${'é'.repeat(128)}`); // 256 bytes in UTF-8
    await a.mkdir(`${u}/${`${'b'.repeat(200)}/`.repeat(25)}c`); // 5026 bytes
    await a.move(`${u}/Status.plist`, `${u}/${longName}`);
    await a.remove(`${u}/${longName}`);
    await a.copy(`${u}/Status.plist`, `${u}/${longName}`);
    await a.download([`${u}/${longName}`]);
    await a.contents(`${u}/${longName}`);
    // Last: an upload name over the 4096-byte limit of the file stream; the host cannot skip it safely.
    await a.sendRawThenWait('UploadFiles name of 5000 bytes', [...uploadStart(), encodeName(`${u}/${'x'.repeat(5000 - Buffer.byteLength(u) - 1)}`)]);
  },

  async 'other-udid'(a, u) {
    const lower = u.toLowerCase();
    const uploads = [`${OTHER_UDID}/Status.plist`, `${OTHER_UDID}/Manifest.db`, 'lifeboat-snapshot.json', 'Snapshot/x', `${u}-evil/Status.plist`, `${u}x/Status.plist`];
    if (lower !== u) uploads.push(`${lower}/Status.plist`);
    for (const path of uploads) await a.upload(path);
    await a.mkdir(OTHER_UDID);
    await a.move(`${u}/Status.plist`, `${OTHER_UDID}/Status.plist`);
    await a.remove(OTHER_UDID);
    await a.remove('lifeboat-snapshot.json');
    await a.copy(u, OTHER_UDID);
    await a.download([`${OTHER_UDID}/Manifest.db`, 'lifeboat-snapshot.json']);
    await a.contents('');
    await a.contents(OTHER_UDID);
  },

  async symlink(a, u) {
    const dir = `${u}/${PLANTED_DIR}`;
    const file = `${u}/${PLANTED_FILE}`;
    // Through the planted directory link.
    await a.upload(`${dir}/pwned`);
    await a.upload(`${dir}/${SENTINEL}`);
    await a.mkdir(`${dir}/newdir`);
    await a.move(`${dir}/${SENTINEL}`, `${u}/stolen`);
    await a.move(`${u}/Status.plist`, `${dir}/moved`);
    await a.copy(dir, `${u}/copied-dir`);
    await a.copy(file, `${u}/copied-file`);
    await a.copy(`${u}/Status.plist`, `${dir}/copied`);
    await a.remove(`${dir}/${SENTINEL}`);
    await a.download([file, `${dir}/${SENTINEL}`, '../../etc/passwd', `${u}/../../../../../../../../etc/passwd`, dir]);
    await a.contents(dir);
    // A stale "already checked" directory: verify <U>/top/cache as a real directory, then replace it with
    // a copy of a directory holding the link under the same name, and write through it.
    await a.mkdir(`${u}/lb-top/lb-cache`, 'harmless');
    await a.upload(`${u}/lb-top/lb-cache/x`, 'harmless');
    await a.mkdir(`${u}/lb-src`, 'harmless');
    await a.move(dir, `${u}/lb-src/lb-cache`, 'harmless');
    await a.upload(`${u}/lb-top/lb-cache/y`, 'harmless');
    await a.copy(`${u}/lb-src`, `${u}/lb-top`, 'harmless');
    await a.upload(`${u}/lb-top/lb-cache/pwned`, 'harmless');
    await a.contents(`${u}/lb-top/lb-cache`, 'harmless');
    // Onto the links: these replace or remove the link itself, never what it points at.
    await a.remove(`${u}/lb-src/lb-cache`, 'harmless');
    await a.copy(`${u}/Status.plist`, file, 'harmless');
    await a.upload(file, 'harmless');
  },

  async 'size-lie'(a, u) {
    // An upload announcing 1 byte in total that sends 256 KiB: the announcement is only progress.
    await a.upload(`${u}/Snapshot/lifeboat-size-lie`, 'harmless', Buffer.alloc(256 * 1024, 0x5a), 1);
    // A block announcing 1 MiB that carries 16 bytes, the end markers, then silence.
    const path = `${u}/Snapshot/lifeboat-short-block`;
    await a.sendRawThenWait('block announcing 1 MiB, carrying 16 bytes', [
      ...uploadStart(16),
      encodeName(path),
      encodeName(path),
      encodeBlockHeader(FileCode.FILE_DATA, 1024 * 1024),
      Buffer.alloc(16, 0x41),
      END_OF_FILE,
      END_OF_STREAM,
    ]);
  },

  async 'huge-block'(a, u) {
    const path = `${u}/Snapshot/lifeboat-huge-block`;
    const header = Buffer.alloc(5);
    header.writeUInt32BE(0xffffffff, 0);
    header[4] = FileCode.FILE_DATA;
    await a.sendRawThenWait('block announcing 4 GiB', [...uploadStart(), encodeName(path), encodeName(path), header, Buffer.alloc(64)]);
  },

  async 'huge-frame'(a) {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff, 0);
    await a.sendRawThenWait('DeviceLink frame announcing 4 GiB', [header, Buffer.from('bplist00', 'latin1')]);
  },
};

/** The DLMessageUploadFiles message that opens a raw file stream (binary plist frame). */
function uploadStart(totalBytes = 0): Buffer[] {
  return [frame(['DLMessageUploadFiles', {}, new PlistReal(50), totalBytes])];
}

/** Encoded like DeviceLinkChannel.send, but as bytes so a raw attack can follow it at once. */
function frame(message: PlistValue[]): Buffer {
  return encodePlistFrame(message, 'binary');
}

class Attacker {
  constructor(
    private readonly link: HostLink,
    private readonly report: HostileReport,
  ) {}

  private record(op: string, path: string, expect: HostileAttempt['expect'], status: number | undefined, description: string | undefined, leaked = 0): void {
    this.report.attempts.push({ op, path, expect, status, description, leaked });
  }

  async upload(path: string, expect: HostileAttempt['expect'] = 'refused', data: Buffer = PAYLOAD, announced = data.length): Promise<void> {
    const status = await this.link.uploadFiles([{ backupPath: path, content: Readable.from([data]) }], 50, announced);
    this.record('UploadFiles', path, expect, status.code, status.description);
  }

  private async op(message: PlistValue[], op: string, path: string, expect: HostileAttempt['expect']): Promise<PlistValue | undefined> {
    const status = await this.link.exchange(message, op);
    const payload = status.payload;
    const leaked = op === 'ContentsOfDirectory' && isPlistDict(payload) ? Object.keys(payload).length : 0;
    this.record(op, path, expect, status.code, status.description, leaked);
    return payload;
  }

  async mkdir(path: string, expect: HostileAttempt['expect'] = 'refused'): Promise<void> {
    await this.op(['DLMessageCreateDirectory', path], 'CreateDirectory', path, expect);
  }

  async move(from: string, to: string, expect: HostileAttempt['expect'] = 'refused'): Promise<void> {
    await this.op(['DLMessageMoveItems', { [from]: to }, {}, new PlistReal(50)], 'MoveItems', `${from} → ${to}`, expect);
  }

  async remove(path: string, expect: HostileAttempt['expect'] = 'refused'): Promise<void> {
    await this.op(['DLMessageRemoveItems', [path], {}, new PlistReal(50)], 'RemoveItems', path, expect);
  }

  async copy(from: string, to: string, expect: HostileAttempt['expect'] = 'refused'): Promise<void> {
    await this.op(['DLMessageCopyItem', from, to], 'CopyItem', `${from} → ${to}`, expect);
  }

  async contents(path: string, expect: HostileAttempt['expect'] = 'refused'): Promise<void> {
    await this.op(['DLContentsOfDirectory', path], 'ContentsOfDirectory', path, expect);
  }

  /** Asks for files; each path is recorded with its own outcome and the bytes the host sent for it. */
  async download(paths: readonly string[]): Promise<void> {
    const sink = new MemorySink();
    const status = await this.link.downloadFiles(paths, sink, 50);
    for (const path of paths) {
      const data = sink.files.get(path);
      const error = sink.errors.get(path);
      this.record('DownloadFiles', path, 'refused', data ? 0 : status.code === 0 ? -1 : status.code, error ?? status.description, data?.length ?? 0);
    }
  }

  /** Sends bytes no host can stay in step with, then waits (bounded) for the host to hang up. */
  async sendRawThenWait(what: string, parts: readonly Buffer[]): Promise<never> {
    const stream = this.link.channel.stream;
    try {
      for (const part of parts) await this.link.channel.write(part);
    } catch {
      // The host may hang up before everything is written; that is the expected reaction.
    }
    const closed = await untilClosed(stream, HOST_REACTION_BOUND_MS);
    this.report.ended = closed ? 'host-hung-up' : 'bound-reached';
    this.record('raw', what, 'refused', undefined, closed ? 'the host hung up' : 'the host neither answered nor hung up');
    throw new InjectedFault(`hostile phone: ${what}`);
  }
}
