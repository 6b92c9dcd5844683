/** Stable codes of the errors a store call can fail with. */
export type StoreErrorCode =
  | 'ERR_STORE_NAME' // a mon_name or my_name the on-disk format cannot hold safely
  | 'ERR_STORE_VALUE' // a number or priv out of range
  | 'ERR_STORE_IO' // the change could not be made durable (ENOSPC, EROFS, EACCES, EIO ...)
  | 'ERR_STORE_OPEN' // the state directory is unusable (missing, not a directory, not writable)
  | 'ERR_STORE_STATE' // called before load(), after close(), or on a read-only store
  | 'ERR_STORE_PARTIAL'; // a multi-file change (sm -> sm.bak) was only partly made; retry finishes it

/** The one error type store calls reject with; `code` is stable, the message is for people. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The errno code (`ENOSPC` ...) of a Node system error, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
