/**
 * AFC (Apple File Conduit, `com.apple.afc`) numbers shared by the host client and the virtual iPhone:
 * operation codes, status codes, file-open modes and lock operations, each as a named `as const`
 * table so code says `AfcOperation.FILE_OPEN` and logs say "FILE_OPEN", never a bare 13.
 *
 * Values as in libimobiledevice (src/afc.h, include/libimobiledevice/afc.h) and pymobiledevice3
 * (services/afc.py). Status codes 30–34 of libimobiledevice (MUX_ERROR, NO_MEM, NOT_ENOUGH_DATA,
 * DIR_NOT_EMPTY, SSL_ERROR) are its own local codes, never sent by a device: a phone answers
 * REMOVE_PATH on a non-empty directory with UNKNOWN_ERROR (1), which libimobiledevice renames.
 */

export const AfcOperation = {
  INVALID: 0x00,
  STATUS: 0x01,
  DATA: 0x02,
  READ_DIR: 0x03,
  READ_FILE: 0x04,
  WRITE_FILE: 0x05,
  WRITE_PART: 0x06,
  TRUNCATE: 0x07,
  REMOVE_PATH: 0x08,
  MAKE_DIR: 0x09,
  GET_FILE_INFO: 0x0a,
  GET_DEVINFO: 0x0b,
  WRITE_FILE_ATOM: 0x0c,
  FILE_OPEN: 0x0d,
  FILE_OPEN_RES: 0x0e,
  FILE_READ: 0x0f,
  FILE_WRITE: 0x10,
  FILE_SEEK: 0x11,
  FILE_TELL: 0x12,
  FILE_TELL_RES: 0x13,
  FILE_CLOSE: 0x14,
  FILE_SET_SIZE: 0x15,
  GET_CON_INFO: 0x16,
  SET_CON_OPTIONS: 0x17,
  RENAME_PATH: 0x18,
  SET_FS_BS: 0x19,
  SET_SOCKET_BS: 0x1a,
  FILE_LOCK: 0x1b,
  MAKE_LINK: 0x1c,
  GET_FILE_HASH: 0x1d,
  SET_FILE_MOD_TIME: 0x1e,
  GET_FILE_HASH_RANGE: 0x1f,
  FILE_SET_IMMUTABLE_HINT: 0x20,
  GET_SIZE_OF_PATH_CONTENTS: 0x21,
  REMOVE_PATH_AND_CONTENTS: 0x22,
  DIR_OPEN: 0x23,
  DIR_OPEN_RESULT: 0x24,
  DIR_READ: 0x25,
  DIR_CLOSE: 0x26,
  FILE_READ_OFFSET: 0x27,
  FILE_WRITE_OFFSET: 0x28,
} as const;
export type AfcOperationName = keyof typeof AfcOperation;

export const AfcStatus = {
  SUCCESS: 0,
  UNKNOWN_ERROR: 1,
  OP_HEADER_INVALID: 2,
  NO_RESOURCES: 3,
  READ_ERROR: 4,
  WRITE_ERROR: 5,
  UNKNOWN_PACKET_TYPE: 6,
  INVALID_ARG: 7,
  OBJECT_NOT_FOUND: 8,
  OBJECT_IS_DIR: 9,
  PERM_DENIED: 10,
  SERVICE_NOT_CONNECTED: 11,
  OP_TIMEOUT: 12,
  TOO_MUCH_DATA: 13,
  END_OF_DATA: 14,
  OP_NOT_SUPPORTED: 15,
  OBJECT_EXISTS: 16,
  OBJECT_BUSY: 17,
  NO_SPACE_LEFT: 18,
  OP_WOULD_BLOCK: 19,
  IO_ERROR: 20,
  OP_INTERRUPTED: 21,
  OP_IN_PROGRESS: 22,
  INTERNAL_ERROR: 23,
  /** libimobiledevice's name for UNKNOWN_ERROR in a REMOVE_PATH reply; never on the wire. */
  DIR_NOT_EMPTY: 33,
} as const;
export type AfcStatusName = keyof typeof AfcStatus;

/** FILE_OPEN modes. Note AFC's "r+" creates a missing file (O_RDWR | O_CREAT), unlike fopen(3). */
export const AfcFileMode = {
  /** r: O_RDONLY */
  RDONLY: 1,
  /** r+: O_RDWR | O_CREAT */
  RW: 2,
  /** w: O_WRONLY | O_CREAT | O_TRUNC */
  WRONLY: 3,
  /** w+: O_RDWR | O_CREAT | O_TRUNC */
  WR: 4,
  /** a: O_WRONLY | O_APPEND | O_CREAT */
  APPEND: 5,
  /** a+: O_RDWR | O_APPEND | O_CREAT */
  RDAPPEND: 6,
} as const;
export type AfcFileModeName = keyof typeof AfcFileMode;

/** FILE_LOCK operations: flock(2) values, always with LOCK_NB (4). */
export const AfcLockOp = {
  /** LOCK_SH | LOCK_NB */
  SH: 1 | 4,
  /** LOCK_EX | LOCK_NB */
  EX: 2 | 4,
  /** LOCK_UN | LOCK_NB */
  UN: 8 | 4,
} as const;
export type AfcLockOpName = keyof typeof AfcLockOp;

/** The file every syncing host locks (idevicebackup2, iTunes, Finder) so two syncs never overlap. */
export const AFC_SYNC_LOCK_PATH = '/com.apple.itunes.lock_sync';

const OPERATION_NAMES = new Map<number, AfcOperationName>(Object.entries(AfcOperation).map(([name, code]) => [code, name as AfcOperationName]));
const STATUS_NAMES = new Map<number, AfcStatusName>(Object.entries(AfcStatus).map(([name, code]) => [code, name as AfcStatusName]));

export function afcOperationName(operation: number): string {
  return OPERATION_NAMES.get(operation) ?? `UNKNOWN_OP_0x${operation.toString(16)}`;
}

export function isKnownAfcOperation(operation: number): boolean {
  return OPERATION_NAMES.has(operation);
}

/** The table name of a status code, or `UNKNOWN_STATUS_<n>` for codes outside it. */
export function afcStatusName(status: number | bigint): string {
  const n = typeof status === 'bigint' ? (status <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(status) : -1) : status;
  return STATUS_NAMES.get(n) ?? `UNKNOWN_STATUS_${status.toString()}`;
}
