import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as nlm from '../../../src/proto/nlm_prot.js';
import * as rpcb from '../../../src/proto/rpcb_prot.js';
import * as sm from '../../../src/proto/sm_inter.js';
import { type ArgsOf, decode, encode, type ResOf, type XdrCodec } from '../../../src/xdr/index.js';
import { hex } from './helpers.js';

/** Byte vectors written from the specs, each byte group annotated; every one runs decode, encode, round trip. */
interface Vector {
  readonly name: string;
  readonly codec: XdrCodec<any>;
  readonly bytes: readonly (readonly [string, string])[];
  readonly value: unknown;
}

const u8 = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

const vectors: Vector[] = [
  {
    name: 'SM_MON arguments (mon)',
    codec: sm.SM_VERS_DEF.procs.SM_MON.args,
    bytes: [
      ['0000000e', 'mon_id.mon_name: length 14'],
      ['636c6965 6e742e65 78616d70 6c65 0000', '"client.example" + 2 zero bytes of padding'],
      ['00000009', 'mon_id.my_id.my_name: length 9'],
      ['3132372e 302e302e 31 000000', '"127.0.0.1" + 3 zero bytes of padding'],
      ['000186b5', 'my_prog = 100021 (NLM)'],
      ['00000004', 'my_vers = 4'],
      ['00000010', 'my_proc = 16 (the status callback)'],
      ['00112233 44556677 8899aabb ccddeeff', 'priv: 16 bytes, no length, no padding'],
    ],
    value: {
      mon_id: {
        mon_name: 'client.example',
        my_id: { my_name: '127.0.0.1', my_prog: 100021, my_vers: 4, my_proc: 16 },
      },
      priv: u8('00112233445566778899aabbccddeeff'),
    },
  },
  {
    name: 'SM_MON / SM_STAT result (sm_stat_res)',
    codec: sm.SM_VERS_DEF.procs.SM_MON.res,
    bytes: [
      ['00000000', 'res_stat = stat_succ'],
      ['00000003', 'state = 3 (odd: up)'],
    ],
    value: { res_stat: sm.res.stat_succ, state: 3 },
  },
  {
    name: 'SM_NOTIFY arguments (stat_chge) with a non-UTF-8 name',
    codec: sm.SM_VERS_DEF.procs.SM_NOTIFY.args,
    bytes: [
      ['00000005', 'mon_name: length 5'],
      ['68e97465 2e 000000', '"h\\xe9te." (Latin-1 e-acute: not UTF-8) + 3 bytes of padding'],
      ['00000007', 'state = 7'],
    ],
    value: { mon_name: 'h\xe9te.', state: 7 },
  },
  {
    name: 'status callback (NLM procedure 16 arguments)',
    codec: nlm.NLM4_VERS_DEF.procs.NLMPROC4_NSM_NOTIFY.args,
    bytes: [
      ['00000004', 'mon_name: length 4'],
      ['686f7374', '"host", no padding needed'],
      ['00000009', 'state = 9'],
      ['00000000 00000000 00000000 00000001', 'priv: the 16 bytes given to SM_MON'],
    ],
    value: { mon_name: 'host', state: 9, priv: u8('00000000000000000000000000000001') },
  },
  {
    name: 'portmap GETPORT arguments (pmap)',
    codec: rpcb.PMAPVERS_DEF.procs.PMAPPROC_GETPORT.args,
    bytes: [
      ['000186b8', 'prog = 100024 (status)'],
      ['00000001', 'vers = 1'],
      ['00000011', 'prot = 17 (IPPROTO_UDP)'],
      ['00000000', 'port = 0 (ignored in a query)'],
    ],
    value: { prog: 100024, vers: 1, prot: rpcb.IPPROTO_UDP, port: 0 },
  },
  {
    name: 'portmap GETPORT result',
    codec: rpcb.PMAPVERS_DEF.procs.PMAPPROC_GETPORT.res,
    bytes: [['00000308', 'port = 776']],
    value: 776,
  },
  {
    name: 'portmap DUMP result (pmaplist_ptr, two entries)',
    codec: rpcb.PMAPVERS_DEF.procs.PMAPPROC_DUMP.res,
    bytes: [
      ['00000001', 'a list follows (optional-data: TRUE)'],
      ['000186a0 00000002 00000006 0000006f', 'portmapper v2 tcp port 111'],
      ['00000001', 'next entry follows'],
      ['000186b8 00000001 00000011 00000308', 'status v1 udp port 776'],
      ['00000000', 'end of list'],
    ],
    value: {
      map: { prog: 100000, vers: 2, prot: 6, port: 111 },
      next: { map: { prog: 100024, vers: 1, prot: 17, port: 776 }, next: null },
    },
  },
  {
    name: 'rpcbind GETADDR arguments (rpcb)',
    codec: rpcb.RPCBVERS_DEF.procs.RPCBPROC_GETADDR.args,
    bytes: [
      ['000186b8', 'r_prog = 100024'],
      ['00000001', 'r_vers = 1'],
      ['00000004', 'r_netid: length 4'],
      ['75647036', '"udp6"'],
      ['00000007', 'r_addr: length 7'],
      ['3a3a312e 332e38 00', '"::1.3.8" (::1 port 3*256+8 = 776) + 1 byte of padding'],
      ['00000000', 'r_owner: empty'],
    ],
    value: { r_prog: 100024, r_vers: 1, r_netid: 'udp6', r_addr: '::1.3.8', r_owner: '' },
  },
  {
    name: 'rpcbind GETADDR result (universal address)',
    codec: rpcb.RPCBVERS4_DEF.procs.RPCBPROC_GETADDR.res,
    bytes: [
      ['0000000d', 'length 13'],
      ['3132372e 302e302e 312e332e 38 000000', '"127.0.0.1.3.8" + 3 bytes of padding'],
    ],
    value: '127.0.0.1.3.8',
  },
  {
    name: 'NLM4 LOCK arguments (nlm4_lockargs)',
    codec: nlm.NLM4_VERS_DEF.procs.NLMPROC4_LOCK.args,
    bytes: [
      ['00000004', 'cookie: length 4'],
      ['01020304', 'cookie bytes'],
      ['00000001', 'block = TRUE'],
      ['00000001', 'exclusive = TRUE'],
      ['00000006', 'alock.caller_name: length 6'],
      ['636c6965 6e74 0000', '"client" + 2 bytes of padding'],
      ['00000008', 'alock.fh: length 8'],
      ['deadbeef 00000001', 'file handle'],
      ['00000009', 'alock.oh: length 9'],
      ['3432 40 636c69656e74 000000', '"42@client" + 3 bytes of padding'],
      ['0000002a', 'alock.svid = 42'],
      ['00000001 00000000', 'alock.l_offset = 2^32 (unsigned hyper)'],
      ['00000000 00000000', 'alock.l_len = 0 (to end of file)'],
      ['00000000', 'reclaim = FALSE'],
      ['00000003', 'state = 3'],
    ],
    value: {
      cookie: u8('01020304'),
      block: true,
      exclusive: true,
      alock: {
        caller_name: 'client',
        fh: u8('deadbeef00000001'),
        oh: new Uint8Array(Buffer.from('42@client')),
        svid: 42,
        l_offset: 1n << 32n,
        l_len: 0n,
      },
      reclaim: false,
      state: 3,
    },
  },
  {
    name: 'NLM4 LOCK result in the grace period (nlm4_res)',
    codec: nlm.NLM4_VERS_DEF.procs.NLMPROC4_LOCK.res,
    bytes: [
      ['00000004 01020304', 'cookie: length 4, the caller’s cookie'],
      ['00000004', 'stat = NLM4_DENIED_GRACE_PERIOD'],
    ],
    value: { cookie: u8('01020304'), stat: { stat: nlm.nlm4_stats.NLM4_DENIED_GRACE_PERIOD } },
  },
  {
    name: 'NLM4 TEST result: denied, with the holder (nlm4_testres)',
    codec: nlm.NLM4_VERS_DEF.procs.NLMPROC4_TEST.res,
    bytes: [
      ['00000000', 'cookie: empty'],
      ['00000001', 'stat = NLM4_DENIED: the holder arm follows'],
      ['00000000', 'holder.exclusive = FALSE'],
      ['00000007', 'holder.svid = 7'],
      ['00000002 6f680000', 'holder.oh: length 2, "oh" + 2 bytes of padding'],
      ['00000000 00000064', 'holder.l_offset = 100'],
      ['ffffffff ffffffff', 'holder.l_len = 2^64 - 1'],
    ],
    value: {
      cookie: new Uint8Array(0),
      stat: {
        stat: nlm.nlm4_stats.NLM4_DENIED,
        holder: { exclusive: false, svid: 7, oh: u8('6f68'), l_offset: 100n, l_len: 2n ** 64n - 1n },
      },
    },
  },
];

describe('annotated byte vectors', () => {
  for (const v of vectors) {
    describe(v.name, () => {
      const wire = hex(v.bytes);
      it('decodes', () => {
        assert.deepEqual(decode(v.codec, new Uint8Array(wire)), v.value);
      });
      it('encodes', () => {
        assert.equal(encode(v.codec, v.value).toString('hex'), wire.toString('hex'));
      });
      it('round-trips', () => {
        assert.equal(encode(v.codec, decode(v.codec, wire)).toString('hex'), wire.toString('hex'));
      });
      it('refuses the bytes cut short or with one more word', () => {
        assert.throws(() => decode(v.codec, wire.subarray(0, wire.length - 1)), { code: 'ERR_XDR_SHORT' });
        assert.throws(() => decode(v.codec, Buffer.concat([wire, Buffer.alloc(4)])), {
          code: 'ERR_XDR_TRAILING',
        });
      });
    });
  }
});

describe('procedure tables', () => {
  it('carry the argument and result types of each procedure', () => {
    const args: ArgsOf<typeof sm.SM_VERS_DEF.procs.SM_STAT> = { mon_name: 'peer' };
    const res: ResOf<typeof nlm.NLM4_VERS_DEF.procs.NLMPROC4_TEST> = {
      cookie: new Uint8Array(0),
      stat: { stat: nlm.nlm4_stats.NLM4_GRANTED },
    };
    const port: ResOf<typeof rpcb.PMAPVERS_DEF.procs.PMAPPROC_GETPORT> = 111;
    // @ts-expect-error: the arguments of SM_STAT are an sm_name, not a number
    const wrong: ArgsOf<typeof sm.SM_VERS_DEF.procs.SM_STAT> = 1;
    type TestRes = ResOf<typeof nlm.NLM4_VERS_DEF.procs.NLMPROC4_TEST>;
    // @ts-expect-error: a denied TEST result must say who holds the lock
    const noHolder: TestRes = { cookie: new Uint8Array(0), stat: { stat: 1 } };
    assert.deepEqual(
      [args, res.stat, port, wrong, noHolder.cookie.length],
      [{ mon_name: 'peer' }, { stat: 0 }, 111, 1, 0],
    );
  });
  it('hold the numbers of the programs, versions and procedures', () => {
    assert.deepEqual(
      [sm.SM_VERS_DEF.prog, sm.SM_VERS_DEF.vers, sm.SM_VERS_DEF.procs.SM_NOTIFY.proc],
      [100024, 1, 6],
    );
    assert.deepEqual([nlm.NLM4_VERS_DEF.prog, nlm.NLM4_VERS_DEF.vers], [100021, 4]);
    assert.deepEqual(
      Object.values(nlm.NLM4_VERS_DEF.procs).map((p) => p.proc),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23],
    );
    assert.deepEqual([rpcb.PMAPVERS_DEF.vers, rpcb.RPCBVERS_DEF.vers, rpcb.RPCBVERS4_DEF.vers], [2, 3, 4]);
    assert.equal(rpcb.RPCBVERS4_DEF.procs.RPCBPROC_GETADDRLIST.proc, 11);
    assert.equal(nlm.nlm4_stats.NLM4_DENIED_GRACE_PERIOD, 4);
  });
});
