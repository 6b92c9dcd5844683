import { debuglog } from 'node:util';

/** Where the RPC layer reports what it cannot answer to a caller (handler bugs, broken peers). */
export interface RpcLogger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

const log = debuglog('nsmd-rpc');

/** The default logger: silent unless NODE_DEBUG includes `nsmd-rpc`. */
export const defaultLogger: RpcLogger = {
  warn: (m, ...d) => log(`warn: ${m}`, ...d),
  error: (m, ...d) => log(`error: ${m}`, ...d),
  debug: (m, ...d) => log(m, ...d),
};
