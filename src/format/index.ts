/**
 * The backup-format layer's public entry point — import from here.
 *
 * Nouns: a *backup folder* is one device's Finder/iTunes backup in the Manifest.db format (iOS 10+):
 * plists describing the device and the backup, Manifest.db cataloguing every file by *domain* and
 * *relativePath*, and content *blobs* named by *fileID*. Encrypted backups add a *keybag* whose class
 * keys (unlocked by the backup password) unwrap the ManifestKey and every file's own key.
 *
 * Read side: openBackup(). Write side (virtual iPhone, tests): BackupFolderWriter, or the pieces —
 * ManifestDbWriter, encodeMbFile, createBackupKeybag, file/Manifest.db encryption, plist builders.
 */
export { FORMAT_CODES, FormatError, type FormatErrorCode, type FormatErrorOptions } from './errors.js';
export { assertFileId, fileIdOf, isFileId, shardPath } from './file-id.js';
export {
  decodeMbFile,
  encodeMbFile,
  fileKind,
  fileKindOfMode,
  MANIFEST_FLAGS,
  manifestFlagsOfMode,
  type FileKind,
  type MbFile,
  type MbFileInput,
} from './mbfile.js';
export { ManifestDb, ManifestDbWriter, type ManifestDbEntry, type ManifestDbWriterOptions, type ManifestQuery, type ManifestRow } from './manifest-db.js';
export {
  AES_KEY_BYTES,
  classPrefixedKey,
  randomAesKey,
  splitClassPrefixedKey,
  tryUnwrapKey,
  unwrapKey,
  WRAPPED_KEY_BYTES,
  wrapKey,
  ZERO_IV,
} from './aes.js';
export { encodeKeybag, KEYBAG_TYPE_BACKUP, parseKeybag, WRAP_DEVICE, WRAP_PASSCODE, type Keybag, type KeybagClass } from './keybag.js';
export {
  createBackupKeybag,
  DEFAULT_MAX_ITERATIONS,
  deriveKeybagKey,
  REAL_DP_ITERATIONS,
  REAL_ITERATIONS,
  unlockKeybag,
  unlockKeybagWithKey,
  type CreateKeybagOptions,
  type CreatedKeybag,
  type KdfOptions,
  type UnlockedKeybag,
} from './keybag-unlock.js';
export {
  classKeyFor,
  createFileDecryptStream,
  createFileEncryptStream,
  createSizeCheckStream,
  decryptManifestDb,
  encryptedLength,
  encryptManifestDb,
  isSqliteHeader,
  MANIFEST_KEY_CLASS,
  newFileKey,
  newManifestKey,
  readEncryptedManifestDb,
  unwrapFileKey,
  unwrapManifestKey,
} from './crypto.js';
export {
  parsePlistDict,
  readInfo,
  readManifest,
  readStatus,
  type BackupInfo,
  type BackupManifest,
  type BackupStatus,
  type LockdownSummary,
  type ManifestApplication,
} from './plists.js';
export { openBackup, type Backup, type BackupEntry, type DomainCount, type OpenBackupOptions } from './backup-folder.js';
export {
  buildInfoPlist,
  buildManifestPlist,
  buildStatusPlist,
  encryptManifestDbFile,
  type DeviceIdentity,
  type InfoApplicationInput,
  type InfoPlistInput,
  type ManifestApplicationInput,
  type ManifestPlistInput,
  type StatusPlistInput,
} from './writer.js';
export { BackupFolderWriter, type BackupFolderWriterOptions, type EntryMeta, type FileContent } from './backup-writer.js';
