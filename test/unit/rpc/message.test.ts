import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AUTH_NONE,
  AuthFlavor,
  AuthStat,
  authSysCredential,
  decodeAuthSysBody,
  encodeAuthSysBody,
} from '../../../src/rpc/auth.js';
import {
  type CallHeader,
  decodeCallHeader,
  decodeReplyHeader,
  encodeCallHeader,
  encodeReplyHeader,
  peekXid,
  type ReplyHeader,
} from '../../../src/rpc/message.js';
import { XdrError } from '../../../src/xdr/errors.js';
import { XdrWriter } from '../../../src/xdr/writer.js';
import { hex } from './hex.js';

function encodedCall(h: CallHeader, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const w = new XdrWriter();
  encodeCallHeader(w, h);
  w.raw(body);
  return w.toBuffer();
}

function encodedReply(h: ReplyHeader, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const w = new XdrWriter();
  encodeReplyHeader(w, h);
  w.raw(body);
  return w.toBuffer();
}

/** Compares opaque bodies by content, whatever their Buffer/Uint8Array class. */
function plain<T>(v: T): T {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? `hex:${Buffer.from(x).toString('hex')}` : x)),
  );
}

const AUTH_SYS_BODY = hex(`
  00000000 # stamp 0
  00000004 # machinename length 4
  686f7374 # "host"
  00000000 # uid 0
  00000064 # gid 100
  00000002 # gids length 2
  00000064 # 100
  0000000a # 10
`);

const callVectors: { name: string; bytes: Buffer; header: CallHeader; bodyOffset: number }[] = [
  {
    name: 'NSM NULL call, AUTH_NONE',
    bytes: hex(`
      12345678 # xid
      00000000 # msg_type CALL
      00000002 # rpcvers 2
      000186b8 # prog 100024 (status)
      00000001 # vers 1
      00000000 # proc 0 (SM_NULL)
      00000000 00000000 # cred AUTH_NONE, length 0
      00000000 00000000 # verf AUTH_NONE, length 0
    `),
    header: { xid: 0x12345678, rpcvers: 2, prog: 100024, vers: 1, proc: 0, cred: AUTH_NONE, verf: AUTH_NONE },
    bodyOffset: 40,
  },
  {
    name: 'SM_STAT call with AUTH_SYS and arguments',
    bytes: hex(`
      deadbeef # xid
      00000000 # CALL
      00000002 # rpcvers
      000186b8 # prog 100024
      00000001 # vers 1
      00000001 # proc 1 (SM_STAT)
      00000001 # cred flavor AUTH_SYS
      00000020 # cred length 32
      00000000 00000004 686f7374 00000000 00000064 00000002 00000064 0000000a # authsys_parms
      00000000 00000000 # verf AUTH_NONE
      00000003 61626300 # sm_name { mon_name "abc" + 1 byte padding }
    `),
    header: {
      xid: 0xdeadbeef,
      rpcvers: 2,
      prog: 100024,
      vers: 1,
      proc: 1,
      cred: { flavor: AuthFlavor.AUTH_SYS, body: AUTH_SYS_BODY },
      verf: AUTH_NONE,
    },
    bodyOffset: 72,
  },
  {
    name: 'call with an opaque verifier of 5 bytes (padded to 8)',
    bytes: hex(`
      00000001 00000000 00000002 # xid 1, CALL, rpcvers 2
      000186a0 00000002 00000003 # portmap v2 GETPORT
      00000000 00000000          # cred AUTH_NONE
      00000009 00000005 0102030405 000000 # verf flavor 9, 5 bytes, 3 padding
    `),
    header: {
      xid: 1,
      rpcvers: 2,
      prog: 100000,
      vers: 2,
      proc: 3,
      cred: AUTH_NONE,
      verf: { flavor: 9, body: hex('0102030405') },
    },
    bodyOffset: 48,
  },
];

const replyVectors: { name: string; bytes: Buffer; header: ReplyHeader; bodyOffset: number }[] = [
  {
    name: 'SUCCESS with a result',
    bytes: hex(`
      12345678 # xid
      00000001 # msg_type REPLY
      00000000 # MSG_ACCEPTED
      00000000 00000000 # verf AUTH_NONE
      00000000 # SUCCESS
      00000000 00000003 # sm_stat_res { stat_succ, state 3 }
    `),
    header: { xid: 0x12345678, replyStat: 0, verf: AUTH_NONE, acceptStat: 0 },
    bodyOffset: 24,
  },
  {
    name: 'PROG_UNAVAIL',
    bytes: hex('00000007 00000001 00000000 00000000 00000000 00000001'),
    header: { xid: 7, replyStat: 0, verf: AUTH_NONE, acceptStat: 1 },
    bodyOffset: 24,
  },
  {
    name: 'PROG_MISMATCH low 2 high 4',
    bytes: hex(`
      00000007 00000001 00000000 # xid, REPLY, MSG_ACCEPTED
      00000000 00000000          # verf
      00000002                   # PROG_MISMATCH
      00000002 00000004          # mismatch_info { low 2, high 4 }
    `),
    header: { xid: 7, replyStat: 0, verf: AUTH_NONE, acceptStat: 2, low: 2, high: 4 },
    bodyOffset: 32,
  },
  {
    name: 'PROC_UNAVAIL',
    bytes: hex('00000007 00000001 00000000 00000000 00000000 00000003'),
    header: { xid: 7, replyStat: 0, verf: AUTH_NONE, acceptStat: 3 },
    bodyOffset: 24,
  },
  {
    name: 'GARBAGE_ARGS',
    bytes: hex('00000007 00000001 00000000 00000000 00000000 00000004'),
    header: { xid: 7, replyStat: 0, verf: AUTH_NONE, acceptStat: 4 },
    bodyOffset: 24,
  },
  {
    name: 'SYSTEM_ERR',
    bytes: hex('00000007 00000001 00000000 00000000 00000000 00000005'),
    header: { xid: 7, replyStat: 0, verf: AUTH_NONE, acceptStat: 5 },
    bodyOffset: 24,
  },
  {
    name: 'MSG_DENIED RPC_MISMATCH low 2 high 2',
    bytes: hex(`
      00000009 # xid
      00000001 # REPLY
      00000001 # MSG_DENIED
      00000000 # RPC_MISMATCH
      00000002 00000002 # low, high
    `),
    header: { xid: 9, replyStat: 1, rejectStat: 0, low: 2, high: 2 },
    bodyOffset: 24,
  },
  {
    name: 'MSG_DENIED AUTH_ERROR AUTH_BADCRED',
    bytes: hex(`
      00000009 00000001 00000001 # xid, REPLY, MSG_DENIED
      00000001 # AUTH_ERROR
      00000001 # AUTH_BADCRED
    `),
    header: { xid: 9, replyStat: 1, rejectStat: 1, authStat: AuthStat.AUTH_BADCRED },
    bodyOffset: 20,
  },
];

describe('call header vectors', () => {
  for (const v of callVectors) {
    it(`${v.name}: decode`, () => {
      const d = decodeCallHeader(v.bytes);
      assert.deepEqual(plain(d.header), plain(v.header));
      assert.equal(d.bodyOffset, v.bodyOffset);
    });
    it(`${v.name}: encode`, () => {
      assert.equal(
        encodedCall(v.header, v.bytes.subarray(v.bodyOffset)).toString('hex'),
        v.bytes.toString('hex'),
      );
    });
    it(`${v.name}: round trip`, () => {
      const d = decodeCallHeader(v.bytes);
      assert.deepEqual(encodedCall(d.header, v.bytes.subarray(d.bodyOffset)), v.bytes);
    });
  }

  it('leaves the arguments as a view into the message', () => {
    const v = callVectors[1]!;
    const d = decodeCallHeader(v.bytes);
    assert.equal(d.header.cred.body.buffer, v.bytes.buffer);
    assert.equal(v.bytes.subarray(d.bodyOffset).toString('hex'), '0000000361626300');
  });

  it('stops at rpcvers when it is not 2, so RPC_MISMATCH can be answered', () => {
    const d = decodeCallHeader(hex('00000005 00000000 00000003'));
    assert.equal(d.header.xid, 5);
    assert.equal(d.header.rpcvers, 3);
  });

  it('refuses short headers, replies, oversize and badly padded opaque_auth', () => {
    const ok = callVectors[0]!.bytes;
    for (let n = 0; n < ok.length; n++) {
      assert.throws(() => decodeCallHeader(ok.subarray(0, n)), XdrError, `prefix of ${n} bytes`);
    }
    assert.throws(() => decodeCallHeader(replyVectors[0]!.bytes), { code: 'ERR_XDR_VALUE' });
    const big = Buffer.concat([
      hex('00000001 00000000 00000002 000186b8 00000001 00000000 00000001 00000191'),
      Buffer.alloc(404),
    ]);
    assert.throws(() => decodeCallHeader(big), { code: 'ERR_XDR_LIMIT' });
    const badPad = hex(
      '00000001 00000000 00000002 000186b8 00000001 00000000 00000001 00000001 01000001 00000000 00000000',
    );
    assert.throws(() => decodeCallHeader(badPad), { code: 'ERR_XDR_PADDING' });
  });

  it('accepts an opaque_auth body of exactly 400 bytes', () => {
    const cred = { flavor: 7, body: new Uint8Array(400).fill(1) };
    const bytes = encodedCall({ xid: 1, rpcvers: 2, prog: 1, vers: 1, proc: 0, cred, verf: AUTH_NONE });
    assert.equal(decodeCallHeader(bytes).header.cred.body.length, 400);
  });

  it('peekXid reads the xid or says -1 when there is none', () => {
    assert.equal(peekXid(callVectors[1]!.bytes), 0xdeadbeef);
    assert.equal(peekXid(hex('010203')), -1);
  });
});

describe('reply header vectors', () => {
  for (const v of replyVectors) {
    it(`${v.name}: decode`, () => {
      const d = decodeReplyHeader(v.bytes);
      assert.deepEqual(plain(d.header), plain(v.header));
      assert.equal(d.bodyOffset, v.bodyOffset);
    });
    it(`${v.name}: encode`, () => {
      assert.equal(
        encodedReply(v.header, v.bytes.subarray(v.bodyOffset)).toString('hex'),
        v.bytes.toString('hex'),
      );
    });
    it(`${v.name}: round trip`, () => {
      const d = decodeReplyHeader(v.bytes);
      assert.deepEqual(encodedReply(d.header, v.bytes.subarray(d.bodyOffset)), v.bytes);
    });
  }

  it('refuses undeclared stats and short replies', () => {
    assert.throws(() => decodeReplyHeader(hex('00000001 00000001 00000000 00000000 00000000 00000006')), {
      code: 'ERR_XDR_VALUE',
    });
    assert.throws(() => decodeReplyHeader(hex('00000001 00000001 00000002')), { code: 'ERR_XDR_VALUE' });
    assert.throws(() => decodeReplyHeader(hex('00000001 00000001 00000001 00000002 00000000')), {
      code: 'ERR_XDR_VALUE',
    });
    assert.throws(
      () => decodeReplyHeader(hex('00000001 00000001 00000000 00000000 00000000 00000002 00000001')),
      {
        code: 'ERR_XDR_SHORT',
      },
    );
    assert.throws(() => decodeReplyHeader(callVectors[0]!.bytes), { code: 'ERR_XDR_VALUE' });
  });
});

describe('AUTH_SYS', () => {
  const parms = { stamp: 0, machinename: 'host', uid: 0, gid: 100, gids: [100, 10] };

  it('decodes, encodes and round-trips the vector', () => {
    assert.deepEqual(decodeAuthSysBody(AUTH_SYS_BODY), parms);
    const w = new XdrWriter();
    encodeAuthSysBody(w, parms);
    assert.deepEqual(w.toBuffer(), AUTH_SYS_BODY);
    assert.deepEqual(Buffer.from(authSysCredential(parms).body), AUTH_SYS_BODY);
    assert.equal(authSysCredential(parms).flavor, AuthFlavor.AUTH_SYS);
  });

  it('takes machinename up to 255 bytes and gids up to 16, not more', () => {
    const edge = {
      stamp: 1,
      machinename: 'm'.repeat(255),
      uid: 1,
      gid: 2,
      gids: Array.from({ length: 16 }, (_, i) => i),
    };
    assert.deepEqual(decodeAuthSysBody(authSysCredential(edge).body), edge);
    assert.throws(() => authSysCredential({ ...edge, machinename: 'm'.repeat(256) }), {
      code: 'ERR_XDR_LIMIT',
    });
    assert.throws(() => authSysCredential({ ...edge, gids: Array.from({ length: 17 }, (_, i) => i) }), {
      code: 'ERR_XDR_LIMIT',
    });
    // The same limits on the decoding side, with hand-made bodies.
    const w = new XdrWriter();
    w.uint(0);
    w.uint(256);
    w.raw(Buffer.alloc(256, 0x61));
    w.uint(0);
    w.uint(0);
    w.uint(0);
    assert.throws(() => decodeAuthSysBody(w.toBuffer()), { code: 'ERR_XDR_LIMIT' });
    const g = hex('00000000 00000000 00000000 00000000 00000011');
    assert.throws(() => decodeAuthSysBody(Buffer.concat([g, Buffer.alloc(17 * 4)])), {
      code: 'ERR_XDR_LIMIT',
    });
  });

  it('refuses trailing bytes after authsys_parms', () => {
    assert.throws(() => decodeAuthSysBody(Buffer.concat([AUTH_SYS_BODY, Buffer.alloc(4)])), {
      code: 'ERR_XDR_TRAILING',
    });
  });
});

describe('decoding random bytes', () => {
  it('only ever raises XdrError (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom('raw', 'call', 'reply'),
        (bytes, shape) => {
          const b = Buffer.from(bytes);
          // Bias most inputs towards plausible headers so deeper paths are reached.
          if (b.length >= 12 && shape !== 'raw') {
            b.writeUInt32BE(shape === 'call' ? 0 : 1, 4);
            if (shape === 'call') b.writeUInt32BE(2, 8);
            else b.writeUInt32BE(b[8]! & 1, 8);
          }
          for (const decode of [decodeCallHeader, decodeReplyHeader]) {
            try {
              decode(b);
            } catch (err) {
              assert.ok(err instanceof XdrError, String(err));
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
