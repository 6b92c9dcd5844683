import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeCallHeader,
  decodeReplyHeader,
  encodeCallHeader,
  encodeReplyHeader,
} from '../../../src/rpc/message.js';
import { frameRecord, LAST_FRAGMENT } from '../../../src/rpc/record.js';
import { decode, encode } from '../../../src/xdr/codec.js';
import type { ProcedureDef } from '../../../src/xdr/program.js';
import { XdrReader } from '../../../src/xdr/reader.js';
import { XdrWriter } from '../../../src/xdr/writer.js';
import { type CapturedVector, hexBytes } from './captured.js';
import { debianRpcbindVectors } from './debian-rpcbind.js';
import { debianStatdVectors } from './debian-statd.js';

/** Flattens an optional-data chain (pmaplist, rp__list) into its items, for comparison with the vector. */
function flatten(v: unknown): unknown {
  if (v === null) return [];
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if ('next' in o && 'map' in o) return [o.map, ...(flatten(o.next) as unknown[])];
  if ('rpcb_next' in o && 'rpcb_map' in o) return [o.rpcb_map, ...(flatten(o.rpcb_next) as unknown[])];
  return v;
}

function messageOf(v: CapturedVector): Buffer {
  const bytes = hexBytes(v.hex);
  if (v.transport === 'udp') return bytes;
  const mark = bytes.readUInt32BE(0);
  assert.ok((mark & LAST_FRAGMENT) !== 0, 'one fragment, marked last');
  assert.equal(mark & ~LAST_FRAGMENT, bytes.length - 4, 'record mark gives the message length');
  return bytes.subarray(4);
}

function runVector(v: CapturedVector): void {
  const bytes = hexBytes(v.hex);
  const msg = messageOf(v);
  const procDef = (v.def.procs as Record<string, ProcedureDef>)[v.proc];
  assert.ok(procDef, `${v.def.name} has ${v.proc}`);
  const w = new XdrWriter();
  if (v.kind === 'call') {
    // decode
    const { header, bodyOffset } = decodeCallHeader(msg);
    assert.deepEqual(
      { xid: header.xid, prog: header.prog, vers: header.vers, proc: header.proc },
      { xid: v.header.xid, prog: v.header.prog, vers: v.header.vers, proc: v.header.proc },
    );
    assert.equal(header.proc, procDef.proc);
    assert.equal(header.prog, v.def.prog);
    const args = decode(procDef.args, msg.subarray(bodyOffset));
    assert.deepEqual(flatten(args), v.body);
    // encode: the same bytes
    encodeCallHeader(w, header);
    procDef.args.encode(w, args);
  } else {
    const { header, bodyOffset } = decodeReplyHeader(msg);
    assert.equal(header.xid, v.header.xid);
    assert.equal(header.replyStat, v.header.replyStat ?? 0);
    encodeReplyHeader(w, header);
    if (header.replyStat === 1) {
      assert.equal(header.rejectStat, v.header.rejectStat);
      if (header.rejectStat === 1) assert.equal(header.authStat, v.header.authStat);
      assert.equal(bodyOffset, msg.length, 'nothing after the denial');
    } else if (header.acceptStat !== v.header.acceptStat) {
      assert.fail(`accept_stat ${header.acceptStat}, expected ${v.header.acceptStat}`);
    } else if (header.acceptStat === 2) {
      assert.deepEqual({ low: header.low, high: header.high }, { low: v.header.low, high: v.header.high });
      assert.equal(bodyOffset, msg.length, 'nothing after mismatch_info');
    } else if (header.acceptStat === 0) {
      const res = decode(procDef.res, msg.subarray(bodyOffset));
      assert.deepEqual(flatten(res), v.body);
      procDef.res.encode(w, res);
    }
  }
  const again = w.toBuffer();
  assert.deepEqual(again, msg, 're-encoded message is byte-identical');
  if (v.transport === 'tcp')
    assert.deepEqual(frameRecord(again), bytes, 're-framed record is byte-identical');
  // round trip of the body alone: decode(encode(x)) = x, and the encoding is what was captured
  const body = v.kind === 'call' ? procDef.args : procDef.res;
  if (v.kind === 'call' || (v.header.replyStat !== 1 && v.header.acceptStat === 0)) {
    const start = v.kind === 'call' ? decodeCallHeader(msg).bodyOffset : decodeReplyHeader(msg).bodyOffset;
    const value = body.decode(new XdrReader(msg, start));
    const enc = encode(body, value);
    assert.deepEqual(enc, msg.subarray(start));
    assert.deepEqual(decode(body, enc), value);
  }
}

describe('byte vectors captured from Debian peers', () => {
  for (const [group, vectors] of [
    ['rpcbind', debianRpcbindVectors],
    ['rpc.statd', debianStatdVectors],
  ] as const) {
    describe(group, () => {
      for (const v of vectors) test(`${v.kind}: ${v.name}`, () => runVector(v));
    });
  }

  test('a flipped byte in padding or a cut message is an XDR error, never a wrong value', () => {
    const set = debianRpcbindVectors.find((v) => v.proc === 'RPCBPROC_SET' && v.kind === 'call')!;
    const msg = messageOf(set);
    const { bodyOffset } = decodeCallHeader(msg);
    const procDef = (set.def.procs as Record<string, ProcedureDef>)[set.proc]!;
    // r_netid "udp" is followed by one padding byte: the 4th byte after its length word.
    const padAt = bodyOffset + 8 + 4 + 3;
    assert.equal(msg[padAt], 0);
    const bad = Buffer.from(msg);
    bad[padAt] = 1;
    assert.throws(() => decode(procDef.args, bad.subarray(bodyOffset)), {
      name: 'XdrError',
      code: 'ERR_XDR_PADDING',
    });
    assert.throws(() => decode(procDef.args, msg.subarray(bodyOffset, msg.length - 1)), { name: 'XdrError' });
    assert.throws(() => decode(procDef.args, Buffer.concat([msg.subarray(bodyOffset), Buffer.alloc(4)])), {
      name: 'XdrError',
      code: 'ERR_XDR_TRAILING',
    });
  });
});
