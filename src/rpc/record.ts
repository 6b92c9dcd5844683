import type { XdrWriter } from '../xdr/writer.js';
import { RecordError } from './errors.js';

/** Last-fragment bit of a record mark (RFC 5531 §11). */
export const LAST_FRAGMENT = 0x80000000;
/** Largest fragment a record mark can declare (31 bits). */
export const MAX_FRAGMENT_SIZE = 0x7fffffff;

/**
 * A byte state machine that splits a record-marked stream (RFC 5531 §11) into records.
 * It accepts any split of the input, one byte at a time included. A record whose declared size
 * (the sum of its fragment lengths so far) exceeds maxRecordSize is refused with a RecordError
 * before any of its bytes are buffered; the stream is then broken and must be closed.
 */
export class RecordReader {
  /** Bytes of the current fragment header gathered so far (0-3 while reading a header). */
  private markBytes = 0;
  private mark = 0;
  /** Bytes still expected in the current fragment; -1 while reading a header. */
  private fragLeft = -1;
  private lastFragment = false;
  /** Declared size of the record being read (sum of fragment lengths). */
  private declared = 0;
  private parts: Uint8Array[] = [];
  private broken = false;

  constructor(
    private readonly onRecord: (record: Uint8Array) => void,
    readonly maxRecordSize = 64 * 1024,
  ) {}

  /** True while a record has been started but not completed (for stalled-stream timeouts). */
  get inRecord(): boolean {
    return this.markBytes > 0 || this.fragLeft >= 0 || this.parts.length > 0 || this.declared > 0;
  }

  /** Feeds stream bytes; calls onRecord for each completed record. Throws RecordError on a broken stream. */
  push(chunk: Uint8Array): void {
    if (this.broken) throw new RecordError('ERR_RPC_RECORD_TOO_LARGE', 'record stream already broken');
    let at = 0;
    const len = chunk.length;
    while (at < len) {
      if (this.fragLeft < 0) {
        // Fast path: a whole 4-byte mark in this chunk.
        if (this.markBytes === 0 && len - at >= 4) {
          this.mark =
            ((chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!) >>> 0;
          at += 4;
        } else {
          this.mark = ((this.mark << 8) | chunk[at++]!) >>> 0;
          if (++this.markBytes < 4) continue;
        }
        this.markBytes = 0;
        this.startFragment();
        // A single-fragment record lying whole in this chunk is emitted as a view, no copy.
        if (this.lastFragment && this.parts.length === 0 && len - at >= this.fragLeft) {
          const n = this.fragLeft;
          this.reset();
          this.onRecord(chunk.subarray(at, at + n));
          at += n;
          continue;
        }
        if (this.fragLeft === 0) this.endFragment();
        continue;
      }
      const take = Math.min(this.fragLeft, len - at);
      this.parts.push(chunk.subarray(at, at + take));
      at += take;
      this.fragLeft -= take;
      if (this.fragLeft === 0) this.endFragment();
    }
  }

  private startFragment(): void {
    const mark = this.mark;
    this.mark = 0;
    this.lastFragment = (mark & LAST_FRAGMENT) !== 0;
    const size = mark & MAX_FRAGMENT_SIZE;
    this.declared += size;
    if (this.declared > this.maxRecordSize) {
      this.broken = true;
      this.parts = [];
      throw new RecordError(
        'ERR_RPC_RECORD_TOO_LARGE',
        `record of at least ${this.declared} bytes exceeds the maximum of ${this.maxRecordSize}`,
      );
    }
    this.fragLeft = size;
  }

  private endFragment(): void {
    this.fragLeft = -1;
    if (!this.lastFragment) return;
    const parts = this.parts;
    const size = this.declared;
    this.reset();
    this.onRecord(parts.length === 1 ? parts[0]! : concat(parts, size));
  }

  private reset(): void {
    this.fragLeft = -1;
    this.declared = 0;
    this.lastFragment = false;
    if (this.parts.length > 0) this.parts = [];
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Starts a one-fragment record in a writer: reserves the record mark; pass the result to endRecord. */
export function beginRecord(w: XdrWriter): number {
  return w.reserve();
}

/** Finishes a record begun with beginRecord: patches the mark with the length and the last-fragment bit. */
export function endRecord(w: XdrWriter, markAt: number): void {
  const size = w.offset - markAt - 4;
  if (size > MAX_FRAGMENT_SIZE) throw new RangeError(`record of ${size} bytes is too large for one fragment`);
  w.patchUint32(markAt, (LAST_FRAGMENT | size) >>> 0);
}

/** Frames one message as a record-marked stream split into fragments of at most fragmentSize bytes. */
export function frameRecord(message: Uint8Array, fragmentSize = MAX_FRAGMENT_SIZE): Buffer {
  if (fragmentSize < 1) throw new RangeError('fragmentSize must be at least 1');
  const count = Math.max(1, Math.ceil(message.length / fragmentSize));
  const out = Buffer.allocUnsafe(message.length + 4 * count);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < count; i++) {
    const n = Math.min(fragmentSize, message.length - src);
    const last = i === count - 1;
    out.writeUInt32BE(((last ? LAST_FRAGMENT : 0) | n) >>> 0, dst);
    out.set(message.subarray(src, src + n), dst + 4);
    src += n;
    dst += 4 + n;
  }
  return out;
}
