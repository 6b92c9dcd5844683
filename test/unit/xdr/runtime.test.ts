import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  byteString,
  decode,
  encode,
  textOf,
  XdrError,
  type XdrErrorCode,
  XdrReader,
  XdrWriter,
  xdrBool,
  xdrDouble,
  xdrFloat,
  xdrHyper,
  xdrInt,
  xdrOpaque,
  xdrString,
  xdrUhyper,
  xdrUint,
} from '../../../src/xdr/index.js';

function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

function written(fn: (w: XdrWriter) => void): string {
  const w = new XdrWriter(4);
  fn(w);
  return w.toBuffer().toString('hex');
}

/** Asserts that fn throws an XdrError with this code at this offset. */
function throwsXdr(fn: () => unknown, code: XdrErrorCode, offset?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof XdrError, `expected XdrError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (offset !== undefined) assert.equal(err.offset, offset, err.message);
    assert.match(err.message, new RegExp(`at offset ${err.offset}$`));
    return true;
  });
}

describe('XDR integers (RFC 4506 §4.1-4.5)', () => {
  it('int is big-endian two’s complement', () => {
    assert.equal(
      written((w) => w.int(-2)),
      'fffffffe',
    );
    assert.equal(
      written((w) => w.int(0x7fffffff)),
      '7fffffff',
    );
    assert.equal(new XdrReader(bytes('80000000')).int(), -0x80000000);
  });
  it('int and unsigned int refuse values out of range or not integers', () => {
    throwsXdr(() => written((w) => w.int(0x80000000)), 'ERR_XDR_VALUE', 0);
    throwsXdr(() => written((w) => w.int(1.5)), 'ERR_XDR_VALUE');
    throwsXdr(() => written((w) => w.uint(-1)), 'ERR_XDR_VALUE');
    throwsXdr(() => written((w) => w.uint(2 ** 32)), 'ERR_XDR_VALUE');
    assert.equal(
      written((w) => w.uint(0xffffffff)),
      'ffffffff',
    );
    assert.equal(new XdrReader(bytes('ffffffff')).uint(), 0xffffffff);
  });
  it('hyper and unsigned hyper are 64-bit bigints', () => {
    assert.equal(
      written((w) => w.hyper(-1n)),
      'ffffffffffffffff',
    );
    assert.equal(
      written((w) => w.uhyper(0xffffffffffffffffn)),
      'ffffffffffffffff',
    );
    assert.equal(new XdrReader(bytes('ffffffffffffffff')).hyper(), -1n);
    assert.equal(new XdrReader(bytes('8000000000000000')).uhyper(), 1n << 63n);
    throwsXdr(() => written((w) => w.uhyper(1n << 64n)), 'ERR_XDR_VALUE');
    throwsXdr(() => written((w) => w.uhyper(-1n)), 'ERR_XDR_VALUE');
    throwsXdr(() => written((w) => w.hyper(1n << 63n)), 'ERR_XDR_VALUE');
  });
  it('bool is 0 or 1; anything else is refused where it stands', () => {
    assert.equal(
      written((w) => w.bool(true)),
      '00000001',
    );
    const r = new XdrReader(bytes('00000000 00000002'));
    assert.equal(r.bool(), false);
    throwsXdr(() => r.bool(), 'ERR_XDR_VALUE', 4);
  });
  it('enum values must be declared ones', () => {
    const valid = new Set([0, 1, 5]);
    assert.equal(new XdrReader(bytes('00000005')).enumValue(valid, 'e'), 5);
    throwsXdr(() => new XdrReader(bytes('00000002')).enumValue(valid, 'e'), 'ERR_XDR_VALUE', 0);
    throwsXdr(() => written((w) => w.enumValue(2, valid, 'e')), 'ERR_XDR_VALUE');
  });
});

describe('XDR floating point (§4.6, §4.7)', () => {
  it('float and double are IEEE 754 big-endian', () => {
    assert.equal(
      written((w) => w.float(1)),
      '3f800000',
    );
    assert.equal(
      written((w) => w.double(-2)),
      'c000000000000000',
    );
    assert.equal(new XdrReader(bytes('3fc00000')).float(), 1.5);
    assert.ok(Number.isNaN(new XdrReader(bytes('7ff8000000000000')).double()));
    assert.equal(decode(xdrDouble, encode(xdrDouble, Number.NEGATIVE_INFINITY)), Number.NEGATIVE_INFINITY);
  });
});

describe('XDR opaque and string (§4.9-4.11)', () => {
  it('fixed opaque is padded with zeros to a multiple of four', () => {
    assert.equal(
      written((w) => w.fixedOpaque(Uint8Array.of(1, 2, 3, 4, 5), 5)),
      '0102030405000000',
    );
    throwsXdr(() => written((w) => w.fixedOpaque(Uint8Array.of(1), 2)), 'ERR_XDR_VALUE');
    const r = new XdrReader(bytes('0102030405000000'));
    assert.deepEqual([...r.fixedOpaque(5)], [1, 2, 3, 4, 5]);
    assert.equal(r.remaining, 0);
  });
  it('non-zero padding is refused at the offending byte', () => {
    throwsXdr(() => new XdrReader(bytes('0102030405000100')).fixedOpaque(5), 'ERR_XDR_PADDING', 6);
    throwsXdr(() => new XdrReader(bytes('00000001 41000001')).string(10), 'ERR_XDR_PADDING', 7);
    throwsXdr(() => new XdrReader(bytes('00000002 01028000')).varOpaque(10), 'ERR_XDR_PADDING', 6);
  });
  it('missing padding is a short read', () => {
    throwsXdr(() => new XdrReader(bytes('00000001 41')).string(10), 'ERR_XDR_SHORT', 5);
  });
  it('variable opaque and string at their maximum pass, one more is refused before reading', () => {
    const atMax = encode(xdrOpaque, new Uint8Array(8));
    assert.equal(new XdrReader(atMax).varOpaque(8).length, 8);
    throwsXdr(() => new XdrReader(atMax).varOpaque(7), 'ERR_XDR_LIMIT', 0);
    const s = encode(xdrString, 'abcd');
    assert.equal(new XdrReader(s).string(4), 'abcd');
    throwsXdr(() => new XdrReader(s).string(3), 'ERR_XDR_LIMIT', 0);
    throwsXdr(() => written((w) => w.string('abcd', 3)), 'ERR_XDR_LIMIT');
    throwsXdr(() => written((w) => w.varOpaque(new Uint8Array(4), 3)), 'ERR_XDR_LIMIT');
  });
  it('a length larger than the bytes left is refused before anything is allocated', () => {
    throwsXdr(() => new XdrReader(bytes('fffffffe 00000000')).varOpaque(0xffffffff), 'ERR_XDR_SHORT', 0);
    throwsXdr(() => new XdrReader(bytes('7fffffff')).string(0xffffffff), 'ERR_XDR_SHORT', 0);
  });
  it('empty strings and opaques are just a zero length', () => {
    assert.equal(encode(xdrString, '').toString('hex'), '00000000');
    assert.equal(decode(xdrOpaque, bytes('00000000')).length, 0);
  });
  it('strings are byte strings: every byte value survives, UTF-8 or not', () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const wire = encode(xdrString, all);
    assert.equal(wire.length, 4 + 256);
    assert.deepEqual(
      [...wire.subarray(4)],
      Array.from({ length: 256 }, (_, i) => i),
    );
    assert.equal(decode(xdrString, wire), all);
    // A mon_name with a Latin-1 byte that is not valid UTF-8 (0xe9) comes back byte for byte.
    const name = decode(xdrString, bytes('00000004 68e97465'));
    assert.equal(name, 'h\xe9te');
    assert.equal(encode(xdrString, name).toString('hex'), '0000000468e97465');
  });
  it('text goes through byteString() and textOf() as UTF-8', () => {
    const bs = byteString('hôte');
    assert.equal(bs.length, 5);
    assert.equal(encode(xdrString, bs).toString('hex'), '0000000568c3b474650000 00'.replace(/ /g, ''));
    assert.equal(textOf(bs), 'hôte');
    throwsXdr(() => encode(xdrString, 'hôte\u20ac'), 'ERR_XDR_VALUE');
    assert.equal(textOf('\xff'), '\ufffd');
  });
});

describe('XDR arrays and optional-data (§4.12, §4.13, §4.19)', () => {
  it('array lengths are checked against the maximum and against the bytes left per item', () => {
    assert.equal(new XdrReader(bytes('00000002 00000001 00000002')).arrayLength(2, 4), 2);
    throwsXdr(
      () => new XdrReader(bytes('00000003 00000001 00000002 00000003')).arrayLength(2, 4),
      'ERR_XDR_LIMIT',
      0,
    );
    // 2 items of at least 8 bytes cannot fit in 8 bytes.
    throwsXdr(() => new XdrReader(bytes('00000002 00000001 00000002')).arrayLength(5, 8), 'ERR_XDR_SHORT', 0);
    throwsXdr(() => new XdrReader(bytes('ffffffff')).arrayLength(0xffffffff, 4), 'ERR_XDR_SHORT', 0);
    throwsXdr(() => written((w) => w.arrayLength(3, 2)), 'ERR_XDR_LIMIT');
  });
  it('optional-data is a bool flag', () => {
    const r = new XdrReader(bytes('00000001 00000000 00000007'));
    assert.equal(r.optional(), true);
    assert.equal(r.optional(), false);
    throwsXdr(() => r.optional(), 'ERR_XDR_VALUE', 8);
  });
  it('nesting deeper than the limit is refused', () => {
    const r = new XdrReader(new Uint8Array(0), 0, 0, 3);
    r.enter();
    r.enter();
    r.enter();
    throwsXdr(() => r.enter(), 'ERR_XDR_DEPTH', 0);
    const s = new XdrReader(new Uint8Array(0), 0, 0, 2);
    for (let i = 0; i < 10; i++) {
      s.enter();
      s.enter();
      s.leave();
      s.leave();
    }
  });
});

describe('XDR top-level values', () => {
  it('trailing bytes after a value are an error at their offset', () => {
    throwsXdr(() => decode(xdrInt, bytes('00000001 00000000')), 'ERR_XDR_TRAILING', 4);
  });
  it('short input says how much was needed', () => {
    assert.throws(
      () => decode(xdrHyper, bytes('000000')),
      (err: unknown) =>
        err instanceof XdrError && err.code === 'ERR_XDR_SHORT' && /need 8 bytes, 3 left/.test(err.message),
    );
  });
  it('a reader can decode a window of a larger buffer', () => {
    const buf = bytes('ffffffff 0000002a ffffffff');
    const r = new XdrReader(buf, 4, 8);
    assert.equal(r.int(), 42);
    r.finish();
    throwsXdr(() => r.int(), 'ERR_XDR_SHORT', 8);
  });
  it('built-in codecs round-trip', () => {
    const cases: [
      unknown,
      { encode: (w: XdrWriter, v: never) => void; decode: (r: XdrReader) => unknown },
    ][] = [
      [-7, xdrInt],
      [4000000000, xdrUint],
      [-(2n ** 63n), xdrHyper],
      [2n ** 64n - 1n, xdrUhyper],
      [0.5, xdrFloat],
      [Math.PI, xdrDouble],
      [true, xdrBool],
      ['rpcbind', xdrString],
    ];
    for (const [v, codec] of cases) {
      const w = new XdrWriter();
      codec.encode(w, v as never);
      const r = new XdrReader(w.bytes());
      assert.deepEqual(codec.decode(r), v);
      r.finish();
    }
  });
  it('the writer grows, reserves and patches', () => {
    const w = new XdrWriter(1);
    const at = w.reserve();
    for (let i = 0; i < 100; i++) w.int(i);
    w.patchUint32(at, 0x80000190);
    const b = w.bytes();
    assert.equal(b.length, 404);
    assert.equal(b.readUInt32BE(0), 0x80000190);
    assert.equal(b.readInt32BE(400), 99);
    w.reset();
    assert.equal(w.bytes().length, 0);
  });
});
