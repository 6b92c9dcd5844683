import { XdrReader } from './reader.js';
import { XdrWriter } from './writer.js';

/** An encoder and decoder pair for one XDR type. Codecs are pure: bytes in, values out. */
export interface XdrCodec<T> {
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}

/** The codec of XDR `void` (RFC 4506 §4.16). */
export const xdrVoid: XdrCodec<void> = {
  encode() {},
  decode() {},
};

/** Encodes one value into a fresh buffer. */
export function encode<T>(codec: XdrCodec<T>, v: T): Buffer {
  const w = new XdrWriter();
  codec.encode(w, v);
  return w.toBuffer();
}

/** Decodes exactly one value: trailing bytes are an error. */
export function decode<T>(codec: XdrCodec<T>, buf: Uint8Array): T {
  const r = new XdrReader(buf);
  const v = codec.decode(r);
  r.finish();
  return v;
}

/** Codecs of the built-in types, for procedure arguments and results that are not named types. */
export const xdrInt: XdrCodec<number> = { encode: (w, v) => w.int(v), decode: (r) => r.int() };
export const xdrUint: XdrCodec<number> = { encode: (w, v) => w.uint(v), decode: (r) => r.uint() };
export const xdrHyper: XdrCodec<bigint> = { encode: (w, v) => w.hyper(v), decode: (r) => r.hyper() };
export const xdrUhyper: XdrCodec<bigint> = { encode: (w, v) => w.uhyper(v), decode: (r) => r.uhyper() };
export const xdrFloat: XdrCodec<number> = { encode: (w, v) => w.float(v), decode: (r) => r.float() };
export const xdrDouble: XdrCodec<number> = { encode: (w, v) => w.double(v), decode: (r) => r.double() };
export const xdrBool: XdrCodec<boolean> = { encode: (w, v) => w.bool(v), decode: (r) => r.bool() };
/** `string<>` (RFC 4506 §4.11): a byte string of any length up to 2^32 - 1. */
export const xdrString: XdrCodec<string> = {
  encode: (w, v) => w.string(v, 0xffffffff),
  decode: (r) => r.string(0xffffffff),
};
/** `opaque<>` (RFC 4506 §4.10). */
export const xdrOpaque: XdrCodec<Uint8Array> = {
  encode: (w, v) => w.varOpaque(v, 0xffffffff),
  decode: (r) => r.varOpaque(0xffffffff),
};
