import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as nlm from '../../../src/proto/nlm_prot.js';
import * as msg from '../../../src/proto/rpc_msg.js';
import * as rpcb from '../../../src/proto/rpcb_prot.js';
import * as sm from '../../../src/proto/sm_inter.js';
import { decode, encode, type XdrCodec, XdrError } from '../../../src/xdr/index.js';

// ---- arbitraries ----

/** fc.record with ordinary objects (decoded values have Object.prototype, as deepEqual checks). */
const rec = ((model: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(model, { noNullPrototype: true })) as typeof fc.record;

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const uint64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** A byte string (one char per byte, any byte value) of at most max bytes. */
const bytesStr = (max: number) =>
  fc.uint8Array({ maxLength: Math.min(max, 40) }).map((b) => Buffer.from(b).toString('latin1'));
const opaque = (max: number) => fc.uint8Array({ maxLength: Math.min(max, 40) });
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** A linked list (XDR optional-data chain) of items, in the generated nested shape. */
function chain<T, K extends string>(item: fc.Arbitrary<T>, key: string, next: K, maxLength = 8) {
  return fc.array(item, { maxLength }).map((items) => {
    let list: any = null;
    for (let i = items.length - 1; i >= 0; i--) list = { [key]: items[i], [next]: list };
    return list;
  });
}
const pad = (n: number) => (n + 3) & ~3;
const str = (s: string) => 4 + pad(s.length);
const opq = (b: Uint8Array) => 4 + pad(b.length);

const my_id = rec({ my_name: bytesStr(1024), my_prog: int32, my_vers: int32, my_proc: int32 });
const mon_id = rec({ mon_name: bytesStr(1024), my_id });
const nlm4_lock = rec({
  caller_name: bytesStr(1024),
  fh: opaque(1024),
  oh: opaque(1024),
  svid: int32,
  l_offset: uint64,
  l_len: uint64,
});
const nlm4_holder = rec({
  exclusive: fc.boolean(),
  svid: int32,
  oh: opaque(1024),
  l_offset: uint64,
  l_len: uint64,
});
const nlm4_stats = fc.constantFrom(...Object.values(nlm.nlm4_stats).filter((v) => typeof v === 'number'));
const rpcbArb = rec({
  r_prog: uint32,
  r_vers: uint32,
  r_netid: bytesStr(64),
  r_addr: bytesStr(64),
  r_owner: bytesStr(64),
});
const pmapArb = rec({ prog: uint32, vers: uint32, prot: uint32, port: uint32 });
const opaque_auth = rec({ flavor: uint32, body: opaque(400) });

interface Case {
  readonly name: string;
  readonly codec: XdrCodec<any>;
  readonly arb: fc.Arbitrary<any>;
  /** The encoded size computed independently from the spec, where written out. */
  readonly size?: (v: any) => number;
}

const lockSize = (l: any) => str(l.caller_name) + opq(l.fh) + opq(l.oh) + 4 + 8 + 8;

const cases: Case[] = [
  {
    name: 'sm_name',
    codec: sm.sm_name,
    arb: rec({ mon_name: bytesStr(1024) }),
    size: (v) => str(v.mon_name),
  },
  { name: 'my_id', codec: sm.my_id, arb: my_id, size: (v) => str(v.my_name) + 12 },
  {
    name: 'mon',
    codec: sm.mon,
    arb: rec({ mon_id, priv: fixed(16) }),
    size: (v) => str(v.mon_id.mon_name) + str(v.mon_id.my_id.my_name) + 12 + 16,
  },
  {
    name: 'stat_chge',
    codec: sm.stat_chge,
    arb: rec({ mon_name: bytesStr(1024), state: int32 }),
    size: (v) => str(v.mon_name) + 4,
  },
  {
    name: 'sm_stat_res',
    codec: sm.sm_stat_res,
    arb: rec({ res_stat: fc.constantFrom(0, 1), state: int32 }),
    size: () => 8,
  },
  {
    name: 'status',
    codec: sm.status,
    arb: rec({ mon_name: bytesStr(1024), state: int32, priv: fixed(16) }),
    size: (v) => str(v.mon_name) + 4 + 16,
  },
  { name: 'nlm4_lock', codec: nlm.nlm4_lock, arb: nlm4_lock, size: lockSize },
  {
    name: 'nlm4_lockargs',
    codec: nlm.nlm4_lockargs,
    arb: rec({
      cookie: opaque(1024),
      block: fc.boolean(),
      exclusive: fc.boolean(),
      alock: nlm4_lock,
      reclaim: fc.boolean(),
      state: int32,
    }),
    size: (v) => opq(v.cookie) + 8 + lockSize(v.alock) + 8,
  },
  {
    name: 'nlm4_testargs',
    codec: nlm.nlm4_testargs,
    arb: rec({ cookie: opaque(1024), exclusive: fc.boolean(), alock: nlm4_lock }),
  },
  {
    name: 'nlm4_cancargs',
    codec: nlm.nlm4_cancargs,
    arb: rec({ cookie: opaque(1024), block: fc.boolean(), exclusive: fc.boolean(), alock: nlm4_lock }),
  },
  {
    name: 'nlm4_unlockargs',
    codec: nlm.nlm4_unlockargs,
    arb: rec({ cookie: opaque(1024), alock: nlm4_lock }),
  },
  {
    name: 'nlm4_res',
    codec: nlm.nlm4_res,
    arb: rec({ cookie: opaque(1024), stat: rec({ stat: nlm4_stats }) }),
    size: (v) => opq(v.cookie) + 4,
  },
  {
    name: 'nlm4_testres',
    codec: nlm.nlm4_testres,
    arb: rec({
      cookie: opaque(1024),
      stat: fc.oneof(
        rec({ stat: fc.constant(nlm.nlm4_stats.NLM4_DENIED), holder: nlm4_holder }),
        rec({ stat: nlm4_stats.filter((s) => s !== nlm.nlm4_stats.NLM4_DENIED) }),
      ),
    }),
    size: (v) => opq(v.cookie) + 4 + (v.stat.holder ? 4 + 4 + opq(v.stat.holder.oh) + 16 : 0),
  },
  {
    name: 'nlm4_shareargs',
    codec: nlm.nlm4_shareargs,
    arb: rec({
      cookie: opaque(1024),
      share: rec({
        caller_name: bytesStr(1024),
        fh: opaque(1024),
        oh: opaque(1024),
        mode: fc.constantFrom(0, 1, 2, 3),
        access: fc.constantFrom(0, 1, 2, 3),
      }),
      reclaim: fc.boolean(),
    }),
  },
  {
    name: 'nlm4_shareres',
    codec: nlm.nlm4_shareres,
    arb: rec({ cookie: opaque(1024), stat: nlm4_stats, sequence: int32 }),
  },
  { name: 'nlm4_notify', codec: nlm.nlm4_notify, arb: rec({ name: bytesStr(1024), state: int32 }) },
  {
    name: 'nlm_lockargs (v1)',
    codec: nlm.nlm_lockargs,
    arb: rec({
      cookie: opaque(1024),
      block: fc.boolean(),
      exclusive: fc.boolean(),
      alock: rec({
        caller_name: bytesStr(1024),
        fh: opaque(1024),
        oh: opaque(1024),
        svid: int32,
        l_offset: uint32,
        l_len: uint32,
      }),
      reclaim: fc.boolean(),
      state: int32,
    }),
  },
  { name: 'pmap', codec: rpcb.pmap, arb: pmapArb, size: () => 16 },
  {
    name: 'pmaplist_ptr',
    codec: rpcb.pmaplist_ptr,
    arb: chain(pmapArb, 'map', 'next'),
    size: (v) => {
      let n = 4;
      for (let c = v; c; c = c.next) n += 16 + 4;
      return n;
    },
  },
  {
    name: 'call_args',
    codec: rpcb.call_args,
    arb: rec({ prog: uint32, vers: uint32, proc: uint32, args: opaque(0xffffffff) }),
  },
  {
    name: 'rpcb',
    codec: rpcb.rpcb,
    arb: rpcbArb,
    size: (v) => 8 + str(v.r_netid) + str(v.r_addr) + str(v.r_owner),
  },
  {
    name: 'rpcblist_ptr',
    codec: rpcb.rpcblist_ptr,
    arb: chain(rpcbArb, 'rpcb_map', 'rpcb_next'),
    size: (v) => {
      let n = 4;
      for (let c = v; c; c = c.rpcb_next)
        n += 8 + str(c.rpcb_map.r_netid) + str(c.rpcb_map.r_addr) + str(c.rpcb_map.r_owner) + 4;
      return n;
    },
  },
  {
    name: 'rpcb_entry_list_ptr',
    codec: rpcb.rpcb_entry_list_ptr,
    arb: chain(
      rec({
        r_maddr: bytesStr(64),
        r_nc_netid: bytesStr(16),
        r_nc_semantics: uint32,
        r_nc_protofmly: bytesStr(16),
        r_nc_proto: bytesStr(16),
      }),
      'rpcb_entry_map',
      'rpcb_entry_next',
    ),
  },
  {
    name: 'rpcb_stat_byvers',
    codec: rpcb.rpcb_stat_byvers,
    arb: fc.array(
      rec({
        info: fc.array(int32, { minLength: 13, maxLength: 13 }),
        setinfo: int32,
        unsetinfo: int32,
        addrinfo: fc
          .array(rec({ prog: uint32, vers: uint32, success: int32, failure: int32, netid: bytesStr(8) }), {
            maxLength: 3,
          })
          .map((items) => items.reduceRight<any>((next, it) => ({ ...it, next }), null)),
        rmtinfo: fc.constant(null),
      }),
      { minLength: 3, maxLength: 3 },
    ),
  },
  { name: 'netbuf', codec: rpcb.netbuf, arb: rec({ maxlen: uint32, buf: opaque(64) }) },
  {
    name: 'rpc_msg',
    codec: msg.rpc_msg,
    arb: rec({
      xid: uint32,
      body: fc.oneof(
        rec({
          mtype: fc.constant(0),
          cbody: rec({
            rpcvers: uint32,
            prog: uint32,
            vers: uint32,
            proc: uint32,
            cred: opaque_auth,
            verf: opaque_auth,
          }),
        }),
        rec({
          mtype: fc.constant(1),
          rbody: fc.oneof(
            rec({
              stat: fc.constant(0),
              areply: rec({
                verf: opaque_auth,
                reply_data: fc.oneof(
                  rec({ stat: fc.constantFrom(0, 1, 3, 4, 5) }),
                  rec({ stat: fc.constant(2), mismatch_info: rec({ low: uint32, high: uint32 }) }),
                ),
              }),
            }),
            rec({
              stat: fc.constant(1),
              rreply: fc.oneof(
                rec({ stat: fc.constant(0), mismatch_info: rec({ low: uint32, high: uint32 }) }),
                rec({ stat: fc.constant(1), auth_stat: fc.integer({ min: 0, max: 14 }) }),
              ),
            }),
          ),
        }),
      ),
    }),
  },
  {
    name: 'authsys_parms',
    codec: msg.authsys_parms,
    arb: rec({
      stamp: uint32,
      machinename: bytesStr(255),
      uid: uint32,
      gid: uint32,
      gids: fc.array(uint32, { maxLength: 16 }),
    }),
  },
];

/** Decoding arbitrary bytes either succeeds or raises XdrError; on success the encoding is canonical. */
function decodeOnlyRaisesXdrError(codec: XdrCodec<any>, bytes: Uint8Array): void {
  let value: unknown;
  try {
    value = decode(codec, bytes);
  } catch (err) {
    if (!(err instanceof XdrError)) throw err;
    assert.ok(err.offset >= 0 && err.offset <= bytes.length, `offset ${err.offset} outside the input`);
    return;
  }
  // XDR has one encoding per value (zero padding, 0/1 bools), so what decoded must re-encode byte for byte.
  assert.equal(encode(codec, value).toString('hex'), Buffer.from(bytes).toString('hex'));
}

describe('generated codecs: properties', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('decode(encode(v)) is v; the length is a multiple of 4 (and exact where computed)', () => {
        fc.assert(
          fc.property(c.arb, (v) => {
            const b = encode(c.codec, v);
            assert.equal(b.length % 4, 0);
            if (c.size) assert.equal(b.length, c.size(v));
            assert.deepEqual(decode(c.codec, new Uint8Array(b)), v);
          }),
          { numRuns: 200 },
        );
      });
      it('random bytes only ever raise XdrError', () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 200 }), (b) => decodeOnlyRaisesXdrError(c.codec, b)),
          { numRuns: 300 },
        );
      });
      it('mutated and cut valid encodings only ever raise XdrError', () => {
        fc.assert(
          fc.property(
            c.arb,
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
            fc.nat(),
            (v, flips, cut) => {
              const b = new Uint8Array(encode(c.codec, v));
              for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
              decodeOnlyRaisesXdrError(c.codec, b);
              decodeOnlyRaisesXdrError(c.codec, b.subarray(0, b.length === 0 ? 0 : cut % b.length));
            },
          ),
          { numRuns: 200 },
        );
      });
    });
  }
});

describe('generated codecs: hostile lengths', () => {
  it('a length of 2^32 - 1 is refused at once, before any allocation', () => {
    // call_args.args is opaque<> (no maximum): only the bytes left bound it.
    const b = Buffer.from('000186b8 00000001 00000000 ffffffff 00000000'.replace(/ /g, ''), 'hex');
    assert.throws(() => decode(rpcb.call_args, b), { code: 'ERR_XDR_SHORT', offset: 12 });
    // authsys_parms.gids<16>: 17 is over the maximum even if the bytes were there.
    const g = Buffer.concat([
      Buffer.from('00000000 00000000 00000000 00000000 00000011'.replace(/ /g, ''), 'hex'),
      Buffer.alloc(17 * 4),
    ]);
    assert.throws(() => decode(msg.authsys_parms, g), { code: 'ERR_XDR_LIMIT', offset: 16 });
  });
  it('names over SM_MAXSTRLEN are refused, at the maximum they pass', () => {
    const at = { mon_name: 'a'.repeat(sm.SM_MAXSTRLEN) };
    assert.deepEqual(decode(sm.sm_name, encode(sm.sm_name, at)), at);
    assert.throws(() => encode(sm.sm_name, { mon_name: 'a'.repeat(sm.SM_MAXSTRLEN + 1) }), {
      code: 'ERR_XDR_LIMIT',
    });
    const over = Buffer.concat([Buffer.from('00000401', 'hex'), Buffer.alloc(1028)]);
    assert.throws(() => decode(sm.sm_name, over), { code: 'ERR_XDR_LIMIT', offset: 0 });
  });
  it('a DUMP reply with 50,000 registrations decodes without deep recursion', () => {
    let list: any = null;
    for (let i = 0; i < 50_000; i++)
      list = { map: { prog: 100000 + i, vers: 1, prot: 17, port: i }, next: list };
    const b = encode(rpcb.pmaplist_ptr, list);
    assert.equal(b.length, 4 + 50_000 * 20);
    const back = decode(rpcb.pmaplist_ptr, b);
    assert.equal(back?.map.port, 49_999);
  });
  it('the statistics lists of GETSTAT (rpcbs_addrlist) decode iteratively too', () => {
    const item = (next: any) => ({ prog: 1, vers: 1, success: 0, failure: 0, netid: 'udp', next });
    let l: any = null;
    for (let i = 0; i < 1000; i++) l = item(l);
    const stat = { info: new Array(13).fill(0), setinfo: 0, unsetinfo: 0, addrinfo: l, rmtinfo: null };
    assert.deepEqual(decode(rpcb.rpcb_stat, new Uint8Array(encode(rpcb.rpcb_stat, stat))), stat);
  });
});
