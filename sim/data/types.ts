/**
 * The virtual iPhone's file system as its backup agent sees it — the contract between the data
 * generator (sim/data/) and the device-side services (mobilebackup2, AFC, installation_proxy).
 *
 * Nouns:
 * - a *domain* is a backup domain: HomeDomain, MediaDomain, CameraRollDomain, KeychainDomain,
 *   HealthDomain, WirelessDomain, SystemPreferencesDomain, AppDomain-<bundle id>,
 *   AppDomainGroup-<group id>, AppDomainPlugin-<id>, …; a file is named by (domain, relativePath)
 *   and its backup fileID is sha1(`${domain}-${relativePath}`);
 * - a *generation* identifies one version of a file's content: it changes whenever the content or
 *   metadata changes, so the backup agent can tell what an incremental backup must send;
 * - *ground truth* is what the phone holds, for checking readers and restores against.
 */
import type { Readable } from 'node:stream';

export type DeviceFileKind = 'file' | 'directory' | 'symlink';

export interface DeviceFile {
  readonly domain: string;
  /** Path inside the domain, '/'-separated, no leading slash; '' is the domain root directory. */
  readonly relativePath: string;
  readonly kind: DeviceFileKind;
  /** Content length in bytes (0 for directories and symlinks). */
  readonly size: number;
  /** Full st_mode including the file-type bits, e.g. 0o100644, 0o40755, 0o120755. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly inode: number;
  /** Unix seconds. */
  readonly birth: number;
  readonly lastModified: number;
  readonly lastStatusChange: number;
  /** Data protection class 1..11 (files); directories use 0 or 4 as iOS does. */
  readonly protectionClass: number;
  /** Symlink target (kind === 'symlink'). */
  readonly target?: string;
  /** Changes whenever content or metadata changes (see the module header). */
  readonly generation: string;
  /** Health and keychain items: a phone includes them only in encrypted backups. */
  readonly onlyInEncryptedBackup?: boolean;
  /** Camera roll originals: left out of the backup while iCloud Photos is on, as on a phone. */
  readonly excludedWithICloudPhotos?: boolean;
}

export interface InstalledApp {
  readonly bundleId: string;
  readonly name: string;
  readonly version: string;
  readonly shortVersion: string;
  /** The AppDomain-… and AppDomainGroup-… domains holding its data. */
  readonly domains: readonly string[];
  /** Opaque blobs Finder keeps in Info.plist's Applications (iTunesMetadata, ApplicationSINF). */
  readonly iTunesMetadata: Buffer;
  readonly applicationSinf: Buffer;
}

export interface DataProfile {
  /** Roughly how many files the phone holds (the default profile is small enough for tests). */
  readonly files: number;
  /** Roughly how many bytes of file content in total. */
  readonly bytes: number;
}

export type Mutation =
  | { readonly kind: 'messages'; readonly add: number; readonly edit?: number; readonly remove?: number }
  | { readonly kind: 'photos'; readonly add: number; readonly remove?: number }
  | { readonly kind: 'contacts'; readonly add: number; readonly edit?: number; readonly remove?: number }
  | { readonly kind: 'appFiles'; readonly add: number; readonly change?: number; readonly remove?: number }
  /** Change about `percent` % of all files (benchmarks: incremental after 1 % changes). */
  | { readonly kind: 'churn'; readonly percent: number };

export interface MutationSummary {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface DeviceFileSystem {
  /** Every file, directory and symlink, lazily and in a stable order (domain, then path). */
  list(): Iterable<DeviceFile>;
  stat(domain: string, relativePath: string): DeviceFile | undefined;
  /** The content of a regular file, produced as a stream (large files are never held in memory). */
  open(file: DeviceFile): Readable;
  /**
   * The content of a regular file as read-only views, when it is generated in memory (bulk content);
   * undefined when it must be read with open() (files on disk). Same bytes as open().
   */
  openViews?(file: DeviceFile): Iterable<Buffer> | undefined;
  /** Restore: replaces or creates a file (parents are created), keeping the given metadata. */
  write(
    domain: string,
    relativePath: string,
    content: Readable,
    meta: Partial<Pick<DeviceFile, 'mode' | 'lastModified' | 'birth' | 'protectionClass' | 'uid' | 'gid'>>,
  ): Promise<DeviceFile>;
  mkdir(domain: string, relativePath: string, meta?: Partial<Pick<DeviceFile, 'mode' | 'lastModified'>>): DeviceFile;
  symlink(domain: string, relativePath: string, target: string): DeviceFile;
  /** Restore with "remove items not restored", and mutations. Returns false when nothing was there. */
  remove(domain: string, relativePath: string): boolean;
  /** Applies a content change between backups (lifeboat sim mutate). */
  mutate(mutation: Mutation): MutationSummary;
  apps(): readonly InstalledApp[];
  /** Ground truth for checks: counts per data type and a digest per domain. */
  truth(): Promise<DeviceTruth>;
  /** Cheap counts (no content is read): entries and bytes per domain, items per data type. */
  summary(): DeviceSummary;
}

/** Counts of one domain (or the whole phone): entries by kind and regular-file bytes. */
export interface EntryCounts {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly bytes: number;
}

/** How many items of each personal data type the phone holds. */
export interface DataCounts {
  readonly chats: number;
  /** Messages visible in chats (reactions included; recently deleted ones are not). */
  readonly messages: number;
  readonly messageAttachments: number;
  readonly contacts: number;
  readonly calendarEvents: number;
  readonly notes: number;
  readonly calls: number;
  readonly safariHistoryItems: number;
  readonly safariBookmarks: number;
  readonly photos: number;
  readonly videos: number;
  readonly healthSamples: number;
  readonly keychainItems: number;
  readonly wifiNetworks: number;
  readonly apps: number;
}

export interface DeviceSummary {
  readonly seed: string;
  readonly profile: DataProfile;
  readonly total: EntryCounts;
  readonly domains: Readonly<Record<string, EntryCounts>>;
  readonly counts: DataCounts;
}

/** Dates are ISO 8601 UTC strings (millisecond precision). */
export interface TruthMessage {
  readonly guid: string;
  /** The plain text a reader should recover (U+FFFC for an attachment-only message; '' when unsent). */
  readonly text: string;
  readonly fromMe: boolean;
  /** Sender handle (phone in E.164 or e-mail); the owner's own number when fromMe. */
  readonly sender: string;
  readonly date: string;
  readonly service: 'iMessage' | 'SMS';
  /** Edit history oldest first (the last entry equals `text`); absent when never edited. */
  readonly edits?: readonly string[];
  readonly unsent?: boolean;
  /** A tapback: associated_message_type (2000–2005) and the GUID of the message it reacts to. */
  readonly reaction?: { readonly type: number; readonly targetGuid: string };
  /** MediaDomain relative paths of the attachments (Library/SMS/Attachments/…). */
  readonly attachments: readonly string[];
}

export interface TruthChat {
  readonly guid: string;
  readonly identifier: string;
  readonly displayName?: string;
  readonly service: 'iMessage' | 'SMS';
  readonly participants: readonly string[];
  readonly messages: readonly TruthMessage[];
}

/** Phones are E.164 ("+12065550123"); AddressBook stores them formatted ("(206) 555-0123"). */
export interface TruthContact {
  readonly first?: string;
  readonly last?: string;
  readonly organization?: string;
  readonly phones: readonly string[];
  readonly emails: readonly string[];
  readonly hasImage: boolean;
}

export interface TruthEvent {
  readonly title: string;
  readonly calendar: string;
  readonly start: string;
  readonly end: string;
  readonly allDay: boolean;
  readonly location?: string;
}

export interface TruthNote {
  readonly title: string;
  /** The whole note text as Notes stores it (NoteStoreProto note_text): its first line is the title. */
  readonly body: string;
  readonly folder: string;
  readonly created: string;
  readonly modified: string;
}

export interface TruthCall {
  readonly address: string;
  readonly date: string;
  readonly durationSeconds: number;
  readonly outgoing: boolean;
  readonly answered: boolean;
  /** ZCALLTYPE: 1 phone, 8 FaceTime video, 16 FaceTime audio. */
  readonly callType: number;
}

export interface TruthPhoto {
  readonly domain: string;
  readonly relativePath: string;
  readonly fileName: string;
  readonly kind: 'photo' | 'video';
  readonly uti: string;
  /** Capture instant (Photos.sqlite ZDATECREATED, EXIF DateTimeOriginal + OffsetTimeOriginal, mvhd). */
  readonly captured: string;
  readonly width: number;
  readonly height: number;
}

export interface DomainDigest {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly bytes: number;
  /**
   * sha256 (hex) over the sorted lines `relativePath\tkind\tsha256(content)\n`, where content is the
   * file's bytes, the UTF-8 symlink target, or empty for a directory.
   */
  readonly digest: string;
}

export interface DeviceTruth {
  readonly summary: DeviceSummary;
  readonly owner: { readonly name: string; readonly phone: string; readonly email: string };
  readonly chats: readonly TruthChat[];
  /** Messages moved to "Recently Deleted" (chat_recoverable_message_join). */
  readonly recentlyDeletedMessages: number;
  readonly contacts: readonly TruthContact[];
  readonly calendarEvents: readonly TruthEvent[];
  readonly notes: readonly TruthNote[];
  readonly calls: readonly TruthCall[];
  readonly safari: {
    readonly history: readonly { readonly url: string; readonly title: string; readonly visitCount: number; readonly lastVisit: string }[];
    readonly bookmarks: readonly { readonly title: string; readonly url: string }[];
  };
  readonly photos: readonly TruthPhoto[];
  readonly albums: readonly { readonly title: string; readonly photos: number }[];
  /** Samples per HealthKit data_type (samples.data_type), e.g. 7 steps, 5 heart rate, 3 body mass. */
  readonly health: { readonly samples: number; readonly byType: Readonly<Record<string, number>> };
  readonly keychain: { readonly items: number; readonly byClass: Readonly<Record<'genp' | 'inet' | 'cert' | 'keys', number>> };
  readonly wifi: { readonly ssids: readonly string[] };
  readonly apps: readonly { readonly bundleId: string; readonly name: string; readonly version: string; readonly shortVersion: string }[];
  readonly domains: Readonly<Record<string, DomainDigest>>;
  /** Structured files replaced through write() since the model was generated (their rows are not re-read). */
  readonly restoredStructuredFiles: readonly string[];
}
