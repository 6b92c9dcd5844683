/** Deterministic PRNG (mulberry32) so that a fuzz run is replayable from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that tend to break length checks when written over an XDR word. */
const INTERESTING_WORDS = [
  0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0x401, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
  0xfffffffe, 0xffffffff,
];

/** One mutation of a valid message; the kinds mimic what broken or hostile peers send. */
export function mutate(input: Uint8Array, rand: () => number): Buffer {
  const buf = Buffer.from(input);
  const pick = (n: number) => Math.floor(rand() * n);
  switch (pick(8)) {
    case 0: {
      // flip a few bits
      const n = 1 + pick(4);
      for (let i = 0; i < n && buf.length > 0; i++) buf[pick(buf.length)]! ^= 1 << pick(8);
      return buf;
    }
    case 1: {
      // overwrite an aligned word with an edge value (lengths, enums, discriminants)
      if (buf.length < 4) return buf;
      const at = pick(buf.length >> 2) << 2;
      buf.writeUInt32BE(INTERESTING_WORDS[pick(INTERESTING_WORDS.length)]!, at);
      return buf;
    }
    case 2:
      // truncate
      return buf.subarray(0, pick(buf.length + 1));
    case 3: {
      // append garbage
      const extra = Buffer.alloc(1 + pick(64));
      for (let i = 0; i < extra.length; i++) extra[i] = pick(256);
      return Buffer.concat([buf, extra]);
    }
    case 4: {
      // random bytes of a random length
      const out = Buffer.alloc(pick(256));
      for (let i = 0; i < out.length; i++) out[i] = pick(256);
      return out;
    }
    case 5: {
      // duplicate a slice (repeated fields, long chains)
      if (buf.length < 8) return buf;
      const from = pick(buf.length - 4);
      const len = 4 + pick(Math.min(64, buf.length - from - 4) + 1);
      const slice = buf.subarray(from, from + len);
      const at = pick(buf.length);
      return Buffer.concat([buf.subarray(0, at), slice, slice, buf.subarray(at)]);
    }
    case 6: {
      // set a byte to a control or path character (names: '/', '.', NUL, '%n')
      if (buf.length === 0) return buf;
      const chars = [0, 0x2f, 0x2e, 0x25, 0x6e, 0x0a, 0xff, 0x7f];
      buf[pick(buf.length)] = chars[pick(chars.length)]!;
      return buf;
    }
    default: {
      // zero or max out a whole word run
      if (buf.length < 8) return buf;
      const at = pick(buf.length >> 2) << 2;
      const n = Math.min(1 + pick(4), (buf.length - at) >> 2);
      buf.fill(rand() < 0.5 ? 0 : 0xff, at, at + n * 4);
      return buf;
    }
  }
}
