import { XdrError } from './errors.js';

// Buffer's latin1 decoder, applied to any Uint8Array: one byte becomes one UTF-16 code unit, with
// no Buffer object made per string (several times faster than Buffer.from(...).toString('latin1')).
const latin1Slice = (
  Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }
).latin1Slice;

/** Default limit on optional-data chains and nested decoders. */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * A bounded XDR decoder over one buffer (RFC 4506).
 * Every length is checked against its declared maximum and against the bytes left
 * before anything is allocated; padding must be zero.
 */
export class XdrReader {
  offset: number;
  private dataView: DataView | null = null;
  private readonly end: number;
  private depth = 0;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    readonly maxDepth = DEFAULT_MAX_DEPTH,
  ) {
    this.offset = start;
    this.end = Math.min(end, buf.length);
  }

  // Made on first use: most messages hold only 32-bit values, read straight from the bytes.
  private get view(): DataView {
    this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.dataView;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.end - this.offset < n) {
      throw new XdrError(
        'ERR_XDR_SHORT',
        this.offset,
        `${what}: need ${n} bytes, ${this.end - this.offset} left`,
      );
    }
  }

  /** int (RFC 4506 §4.1). */
  int(): number {
    this.need(4, 'int');
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }

  /** unsigned int (§4.2). */
  uint(): number {
    this.need(4, 'unsigned int');
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /** hyper (§4.5) as bigint. */
  hyper(): bigint {
    this.need(8, 'hyper');
    const v = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return v;
  }

  /** unsigned hyper (§4.5) as bigint. */
  uhyper(): bigint {
    this.need(8, 'unsigned hyper');
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  /** bool (§4.4): only 0 and 1 are valid. */
  bool(): boolean {
    const at = this.offset;
    const v = this.int();
    if (v !== 0 && v !== 1) throw new XdrError('ERR_XDR_VALUE', at, `bool: expected 0 or 1, got ${v}`);
    return v === 1;
  }

  /** enum (§4.3): the value must be one of the declared ones. */
  enumValue<T extends number>(valid: ReadonlySet<number>, name: string): T {
    const at = this.offset;
    const v = this.int();
    if (!valid.has(v)) throw new XdrError('ERR_XDR_VALUE', at, `enum ${name}: ${v} is not a declared value`);
    return v as T;
  }

  /** float (§4.6). */
  float(): number {
    this.need(4, 'float');
    const v = this.view.getFloat32(this.offset);
    this.offset += 4;
    return v;
  }

  /** double (§4.7). */
  double(): number {
    this.need(8, 'double');
    const v = this.view.getFloat64(this.offset);
    this.offset += 8;
    return v;
  }

  private padding(len: number): void {
    const pad = (4 - (len & 3)) & 3;
    if (pad === 0) return;
    this.need(pad, 'padding');
    for (let i = 0; i < pad; i++) {
      if (this.buf[this.offset + i] !== 0) {
        throw new XdrError('ERR_XDR_PADDING', this.offset + i, 'padding: non-zero byte');
      }
    }
    this.offset += pad;
  }

  /** Fixed-length opaque (§4.9); returns a view into the buffer, not a copy. */
  fixedOpaque(len: number): Uint8Array {
    this.need(len, `opaque[${len}]`);
    const v = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    this.padding(len);
    return v;
  }

  /** Reads and checks a variable length against max and the bytes left. */
  private length(max: number, what: string, minItemSize: number): number {
    const at = this.offset;
    const len = this.uint();
    if (len > max) throw new XdrError('ERR_XDR_LIMIT', at, `${what}: length ${len} exceeds maximum ${max}`);
    if (len * minItemSize > this.end - this.offset) {
      throw new XdrError(
        'ERR_XDR_SHORT',
        at,
        `${what}: length ${len} exceeds the ${this.end - this.offset} bytes left`,
      );
    }
    return len;
  }

  /** Variable-length opaque<max> (§4.10); a view into the buffer, not a copy. */
  varOpaque(max: number): Uint8Array {
    const len = this.length(max, 'opaque<>', 1);
    return this.fixedOpaque(len);
  }

  /**
   * string<max> (§4.11). XDR strings are bytes: each byte becomes one UTF-16 code unit
   * (latin1), so any byte sequence, UTF-8 or not, survives decode and encode unchanged.
   */
  string(max: number): string {
    const len = this.length(max, 'string<>', 1);
    const start = this.offset;
    this.need(len, 'string');
    this.offset += len;
    const s = latin1Slice.call(this.buf, start, start + len);
    this.padding(len);
    return s;
  }

  /** Length of a variable-length array (§4.13), checked so that each item needs at least minItemSize bytes. */
  arrayLength(max: number, minItemSize = 4): number {
    return this.length(max, 'array<>', Math.max(minItemSize, 0));
  }

  /** Optional-data (§4.19): reads the presence flag and counts chain depth. */
  optional(): boolean {
    return this.bool();
  }

  /** Enters a nested value; throws past the depth limit. Pair with leave(). */
  enter(): void {
    if (++this.depth > this.maxDepth) {
      throw new XdrError('ERR_XDR_DEPTH', this.offset, `nesting deeper than ${this.maxDepth}`);
    }
  }

  /** Leaves a nested value entered with enter(). */
  leave(): void {
    this.depth--;
  }

  /** Asserts that the whole input was consumed (no trailing bytes after a top-level value). */
  finish(): void {
    if (this.offset !== this.end) {
      throw new XdrError('ERR_XDR_TRAILING', this.offset, `${this.end - this.offset} trailing bytes`);
    }
  }
}
