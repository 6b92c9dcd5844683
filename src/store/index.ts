export { StoreError, type StoreErrorCode } from './errors.js';
export {
  BOOT_ID_FILE,
  FsStore,
  type FsStoreOptions,
  type FsStoreStats,
  MONITOR_DIR,
  NOTIFY_DIR,
  STATE_FILE,
} from './fs.js';
export { defaultStoreLogger, type StoreLogger } from './logger.js';
export { emptyMemoryDisk, type MemoryDisk, MemoryStore } from './memory.js';
export {
  checkMonName,
  checkMyId,
  formatRecordLine,
  LOOPBACK_FIELD,
  monNameProblem,
  myNameProblem,
  parseRecordFile,
  parseRecordLine,
  sameId,
} from './record.js';
export type { MonitorRecord, MyId, Store, StoreSnapshot } from './types.js';
