/** Stable error codes raised by the XDR runtime. */
export type XdrErrorCode =
  | 'ERR_XDR_SHORT' // fewer bytes left than the value needs
  | 'ERR_XDR_LIMIT' // a length over its declared maximum
  | 'ERR_XDR_PADDING' // non-zero padding bytes (RFC 4506 §3)
  | 'ERR_XDR_TRAILING' // bytes left after a top-level value
  | 'ERR_XDR_DEPTH' // optional-data or nesting deeper than allowed
  | 'ERR_XDR_VALUE'; // a value that is not allowed (enum, bool, union arm, range)

/** The one error type that decoding or encoding malformed data raises. */
export class XdrError extends Error {
  override readonly name = 'XdrError';
  constructor(
    readonly code: XdrErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(`${message} at offset ${offset}`);
  }
}
