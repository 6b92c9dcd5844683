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
