import { NlmError } from './errors.js';

/** Largest NLM netobj (XNFS 3W ch. 10 MAXNETOBJ_SZ): the longest file handle or owner handle. */
export const MAX_NETOBJ = 1024;

/**
 * The opaque file handle nsmd's client sends for a FILE argument: the name's UTF-8 bytes. The lock
 * manager never opens the file; the handle only has to be the same for every client naming the
 * same file, and readable in `nsmd locks`.
 */
export function fileHandle(name: string): Uint8Array {
  const fh = new TextEncoder().encode(name);
  if (fh.length === 0) throw new NlmError('ERR_NLM_ARGS', 'empty file name');
  if (fh.length > MAX_NETOBJ) {
    throw new NlmError(
      'ERR_NLM_ARGS',
      `file name of ${fh.length} bytes exceeds the ${MAX_NETOBJ}-byte file handle`,
    );
  }
  return fh;
}

/** A file handle for people: its text when it is printable UTF-8, else hex. */
export function describeHandle(fh: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(fh);
  if (!text.includes('\ufffd') && !/[\u0000-\u001f\u007f]/.test(text)) return text;
  return `0x${Buffer.from(fh.buffer, fh.byteOffset, fh.byteLength).toString('hex')}`;
}

/** Bytes as a latin1 string, one char per byte: the lock table's key for a file or owner. */
export function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** The bytes of a latin1 key made by bytesKey. */
export function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}
