import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { OpaqueAuth } from '../../../src/rpc/auth.js';
import { encodeCallHeader } from '../../../src/rpc/message.js';
import { type XdrCodec, xdrVoid } from '../../../src/xdr/codec.js';
import type { ProgramDef } from '../../../src/xdr/program.js';
import { XdrWriter } from '../../../src/xdr/writer.js';

/** unsigned int. */
export const u32: XdrCodec<number> = { encode: (w, v) => w.uint(v), decode: (r) => r.uint() };
/** string<4096>. */
export const str: XdrCodec<string> = { encode: (w, v) => w.string(v, 4096), decode: (r) => r.string(4096) };

export const TEST_PROG = 0x20049e00;

/** A small program version exercising every server path. */
export const TEST_V1 = {
  name: 'TEST_V1',
  prog: TEST_PROG,
  vers: 1,
  procs: {
    NULL: { name: 'NULL', proc: 0, args: xdrVoid, res: xdrVoid },
    ADD1: { name: 'ADD1', proc: 1, args: u32, res: u32 },
    ECHO: { name: 'ECHO', proc: 2, args: str, res: str },
    WHO: { name: 'WHO', proc: 3, args: xdrVoid, res: str },
    FAIL: { name: 'FAIL', proc: 4, args: u32, res: xdrVoid },
    SLOW: { name: 'SLOW', proc: 5, args: u32, res: u32 },
    FLAKY: { name: 'FLAKY', proc: 6, args: u32, res: u32 },
    COUNT: { name: 'COUNT', proc: 7, args: u32, res: u32 },
  },
} as const satisfies ProgramDef;

/** Version 3 of the same program (so the server has versions 1-3 minus 2). */
export const TEST_V3 = {
  name: 'TEST_V3',
  prog: TEST_PROG,
  vers: 3,
  procs: { NULL: { name: 'NULL', proc: 0, args: xdrVoid, res: xdrVoid } },
} as const satisfies ProgramDef;

/** Version 5, which the server does not have. */
export const TEST_V5 = { ...TEST_V3, name: 'TEST_V5', vers: 5 } as const satisfies ProgramDef;

/** A program the server does not serve at all. */
export const OTHER_PROG = {
  ...TEST_V3,
  name: 'OTHER',
  prog: TEST_PROG + 1,
  vers: 1,
} as const satisfies ProgramDef;

/** Version 1 as a client with a wrong idea of it: procedures the server lacks, arguments it cannot decode. */
export const TEST_V1_WRONG = {
  name: 'TEST_V1_WRONG',
  prog: TEST_PROG,
  vers: 1,
  procs: {
    MISSING: { name: 'MISSING', proc: 99, args: xdrVoid, res: xdrVoid },
    // ADD1 takes one unsigned int; a string of 3 bytes is 8 bytes, which leaves trailing data.
    ADD1: { name: 'ADD1', proc: 1, args: str, res: u32 },
  },
} as const satisfies ProgramDef;

/** Encodes a call message with raw argument bytes. */
export function callBytes(
  xid: number,
  prog: number,
  vers: number,
  proc: number,
  args: Uint8Array = new Uint8Array(0),
  cred?: OpaqueAuth,
  rpcvers?: number,
): Buffer {
  const w = new XdrWriter();
  encodeCallHeader(w, { xid, prog, vers, proc, cred, rpcvers });
  w.raw(args);
  return w.toBuffer();
}

/** Sends one datagram from a fresh socket; resolves with the replies that arrive within waitMs. */
export async function udpExchange(
  host: string,
  port: number,
  messages: Uint8Array[],
  waitMs = 300,
): Promise<Buffer[]> {
  const s = dgram.createSocket(net.isIP(host) === 6 ? 'udp6' : 'udp4');
  const replies: Buffer[] = [];
  s.on('message', (m) => replies.push(m));
  await new Promise<void>((resolve) => s.bind(0, resolve));
  for (const m of messages) s.send(m, port, host);
  await new Promise((r) => setTimeout(r, waitMs));
  s.close();
  return replies;
}

/** Opens a raw TCP connection. */
export function tcpConnect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Resolves when the socket closes, or with false after waitMs. */
export function closedWithin(s: net.Socket, waitMs: number): Promise<boolean> {
  if (s.destroyed || s.readyState === 'closed') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), waitMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
