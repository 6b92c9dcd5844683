/** Stable error codes raised by the xdrgen compiler. */
export type XdrgenErrorCode =
  | 'ERR_XDRGEN_SYNTAX' // a token or character the grammar does not allow here
  | 'ERR_XDRGEN_SEMANTIC'; // well-formed text with a meaning error (unknown name, duplicate, bad size)

/** A compile error in a .x file, with the 1-based line and column where it was found. */
export class XdrgenError extends Error {
  override readonly name = 'XdrgenError';
  constructor(
    readonly code: XdrgenErrorCode,
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
  }
}
