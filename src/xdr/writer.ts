import { XdrError } from './errors.js';

const ZEROS = new Uint8Array(4);

/**
 * A growable XDR encoder (RFC 4506). One message is built in one buffer; space for a
 * length can be reserved and patched later (record marks, counted lists).
 */
export class XdrWriter {
  private buf: Buffer;
  private view: DataView;
  offset = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Empties the writer for reuse, keeping its buffer. */
  reset(): void {
    this.offset = 0;
  }

  /** int (§4.1); throws on a value out of range. */
  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new XdrError('ERR_XDR_VALUE', this.offset, `int: ${v} out of range`);
    }
    this.ensure(4);
    this.view.setInt32(this.offset, v);
    this.offset += 4;
  }

  /** unsigned int (§4.2). */
  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new XdrError('ERR_XDR_VALUE', this.offset, `unsigned int: ${v} out of range`);
    }
    this.ensure(4);
    this.view.setUint32(this.offset, v);
    this.offset += 4;
  }

  /** hyper (§4.5). */
  hyper(v: bigint): void {
    if (v < -(1n << 63n) || v >= 1n << 63n)
      throw new XdrError('ERR_XDR_VALUE', this.offset, `hyper: ${v} out of range`);
    this.ensure(8);
    this.view.setBigInt64(this.offset, v);
    this.offset += 8;
  }

  /** unsigned hyper (§4.5). */
  uhyper(v: bigint): void {
    if (v < 0n || v >= 1n << 64n)
      throw new XdrError('ERR_XDR_VALUE', this.offset, `unsigned hyper: ${v} out of range`);
    this.ensure(8);
    this.view.setBigUint64(this.offset, v);
    this.offset += 8;
  }

  /** bool (§4.4). */
  bool(v: boolean): void {
    this.int(v ? 1 : 0);
  }

  /** enum (§4.3): the value must be one of the declared ones. */
  enumValue(v: number, valid: ReadonlySet<number>, name: string): void {
    if (!valid.has(v))
      throw new XdrError('ERR_XDR_VALUE', this.offset, `enum ${name}: ${v} is not a declared value`);
    this.int(v);
  }

  /** float (§4.6). */
  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.offset, v);
    this.offset += 4;
  }

  /** double (§4.7). */
  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.offset, v);
    this.offset += 8;
  }

  private pad(len: number): void {
    const pad = (4 - (len & 3)) & 3;
    if (pad === 0) return;
    this.ensure(pad);
    this.buf.set(ZEROS.subarray(0, pad), this.offset);
    this.offset += pad;
  }

  /** Fixed-length opaque[len] (§4.9). */
  fixedOpaque(v: Uint8Array, len: number): void {
    if (v.length !== len) {
      throw new XdrError('ERR_XDR_VALUE', this.offset, `opaque[${len}]: got ${v.length} bytes`);
    }
    this.ensure(len);
    this.buf.set(v, this.offset);
    this.offset += len;
    this.pad(len);
  }

  /** Variable-length opaque<max> (§4.10). */
  varOpaque(v: Uint8Array, max: number): void {
    if (v.length > max) throw new XdrError('ERR_XDR_LIMIT', this.offset, `opaque<${max}>: ${v.length} bytes`);
    this.uint(v.length);
    this.fixedOpaque(v, v.length);
  }

  /** string<max> (§4.11): one byte per UTF-16 code unit (latin1), see XdrReader.string. */
  string(v: string, max: number): void {
    const len = v.length;
    if (len > max) throw new XdrError('ERR_XDR_LIMIT', this.offset, `string<${max}>: ${len} bytes`);
    const lengthAt = this.offset;
    this.uint(len);
    this.ensure(len);
    // One pass checks and copies: each code unit is one byte (latin1).
    const buf = this.buf;
    const at = this.offset;
    for (let i = 0; i < len; i++) {
      const c = v.charCodeAt(i);
      if (c > 0xff) {
        this.offset = lengthAt;
        throw new XdrError(
          'ERR_XDR_VALUE',
          lengthAt,
          'string: code unit above 0xff; encode with byteString()',
        );
      }
      buf[at + i] = c;
    }
    this.offset += len;
    this.pad(len);
  }

  /** Length of a variable-length array (§4.13), checked against max. */
  arrayLength(len: number, max: number): void {
    if (len > max) throw new XdrError('ERR_XDR_LIMIT', this.offset, `array<${max}>: ${len} items`);
    this.uint(len);
  }

  /** Reserves 4 bytes to be filled by patchUint32 later; returns their offset. */
  reserve(): number {
    this.ensure(4);
    const at = this.offset;
    this.offset += 4;
    return at;
  }

  /** Writes an unsigned 32-bit value at an offset reserved earlier. */
  patchUint32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0);
  }

  /** Raw bytes, no length or padding (for pre-encoded bodies). */
  raw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.offset);
    this.offset += v.length;
  }

  /** The bytes written so far, as a view (valid until the next write or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.offset);
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}

/** Converts a JS string to the byte-string form XDR strings use (UTF-8 bytes, one per code unit). */
export function byteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Converts an XDR byte string back to text, decoding UTF-8 (invalid bytes become U+FFFD). */
export function textOf(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
