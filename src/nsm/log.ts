/** The logging surface nsm uses: a subset of pino's Logger, so tests can pass a silent one. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** A logger that drops everything. */
export const silentLog: Log = {
  info() {},
  warn() {},
  error() {},
  debug() {},
};
