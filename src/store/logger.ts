import { debuglog } from 'node:util';

/** Where a store reports what it skipped or repaired (stray files, leftovers). pino fits. */
export interface StoreLogger {
  warn(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

const log = debuglog('nsmd-store');

/** The default logger: silent unless NODE_DEBUG includes `nsmd-store`. */
export const defaultStoreLogger: StoreLogger = {
  warn: (m, ...d) => log(`warn: ${m}`, ...d),
  debug: (m, ...d) => log(m, ...d),
};
