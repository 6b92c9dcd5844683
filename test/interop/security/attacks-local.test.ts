// Hostile input from a local caller, against live daemons on loopback: each is refused, logged once
// with its reason, and changes nothing.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SM_VERS_DEF } from '../../../src/proto/index.js';
import { createClient, decodeReplyHeader, encodeCallHeader } from '../../../src/rpc/index.js';
import { XdrWriter } from '../../../src/xdr/index.js';
import { type LiveDaemons, startDaemons } from '../../fuzz/daemons.js';
import { probe } from '../../fuzz/fuzzer.js';
import { hostFiles } from '../../harness/index.js';

const PRIV = new Uint8Array(16).fill(3);

/** An SM_MON call written by hand, so that names no encoder would accept can be sent. */
function rawMon(monName: Buffer, myName: Buffer): Buffer {
  const w = new XdrWriter();
  encodeCallHeader(w, { xid: (Math.random() * 2 ** 32) >>> 0, prog: 100024, vers: 1, proc: 2 });
  for (const s of [monName, myName]) {
    w.uint(s.length);
    w.raw(s);
    w.raw(Buffer.alloc((4 - (s.length & 3)) & 3));
  }
  w.int(100021);
  w.int(4);
  w.int(16);
  w.raw(PRIV);
  return w.toBuffer();
}

/** Sends one datagram and returns the reply. */
async function udpExchange(port: number, msg: Buffer): Promise<Buffer> {
  const s = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), 3000);
      s.on('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      s.send(msg, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

/** Opens a TCP connection, writes bytes, and resolves how long the server took to close it. */
function closedAfter(port: number, bytes: Buffer, limitMs: number): Promise<number | 'still-open'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve('still-open');
    }, limitMs);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

function refusals(output: string, reason: string): any[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((o) => o.msg === 'refused' && o.reason === reason);
}

describe('hostile input from a local caller', () => {
  let d: LiveDaemons;
  before(async () => {
    d = await startDaemons();
  });
  after(async () => {
    await d?.stop();
  });

  test('path traversal, hidden names and control characters in mon_name are refused', async () => {
    const bad = [
      '../../../../etc/passwd',
      'a/b',
      '/etc/shadow',
      '.hidden',
      '..',
      '',
      'line\nbreak',
      'nul\u0000byte',
      'esc\u001b[2J',
      'del\u007f',
    ];
    for (const name of bad) {
      const reply = await udpExchange(
        d.targets.nsm.port,
        rawMon(Buffer.from(name, 'latin1'), Buffer.from('127.0.0.1')),
      );
      const { header, bodyOffset } = decodeReplyHeader(reply);
      assert.equal(header.replyStat, 0);
      assert.equal((header as { acceptStat: number }).acceptStat, 0, `${JSON.stringify(name)} is answered`);
      assert.equal(reply.readUInt32BE(bodyOffset), 1, `${JSON.stringify(name)} gets stat_fail`);
    }
    assert.deepEqual(hostFiles(d.stateDir), []);
    const lines = refusals(d.stderr(), 'bad-mon-name');
    assert.equal(lines.length, 1, 'logged once, repeats counted');
  });

  test('a bad my_name is refused the same way', async () => {
    for (const name of ['a/b', '', 'x\u0001y', '.dot']) {
      const reply = await udpExchange(
        d.targets.nsm.port,
        rawMon(Buffer.from('good-peer'), Buffer.from(name, 'latin1')),
      );
      const { bodyOffset } = decodeReplyHeader(reply);
      assert.equal(reply.readUInt32BE(bodyOffset), 1, `my_name ${JSON.stringify(name)} gets stat_fail`);
    }
    assert.deepEqual(hostFiles(d.stateDir), []);
    assert.equal(refusals(d.stderr(), 'bad-my-name').length, 1);
  });

  test('a mon_name one byte over SM_MAXSTRLEN is GARBAGE_ARGS; exactly the maximum is decoded', async () => {
    const over = await udpExchange(
      d.targets.nsm.port,
      rawMon(Buffer.alloc(1025, 0x61), Buffer.from('127.0.0.1')),
    );
    assert.equal((decodeReplyHeader(over).header as { acceptStat: number }).acceptStat, 4);
    const max = await udpExchange(
      d.targets.nsm.port,
      rawMon(Buffer.alloc(1024, 0x61), Buffer.from('127.0.0.1')),
    );
    assert.equal((decodeReplyHeader(max).header as { acceptStat: number }).acceptStat, 0);
  });

  test('a TCP record declaring more than the maximum size is refused before it is buffered', async () => {
    const mark = Buffer.alloc(4);
    mark.writeUInt32BE(0xffffffff);
    const t = await closedAfter(d.targets.nsm.port, mark, 5000);
    assert.notEqual(t, 'still-open');
    assert.ok(await probe(d.targets.nsm));
  });

  test('a flood of tiny fragments adding up past the maximum closes that connection only', async () => {
    const frag = Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]); // a 4-byte fragment, not the last
    const flood = Buffer.concat(Array.from({ length: 20_000 }, () => frag)); // 80,000 bytes declared
    const other = createClient({
      host: '127.0.0.1',
      port: d.targets.nsm.port,
      transport: 'tcp',
      timeoutMs: 5000,
    });
    try {
      await other.call(SM_VERS_DEF, 'SM_NULL', undefined);
      const t = await closedAfter(d.targets.nsm.port, flood, 5000);
      assert.notEqual(t, 'still-open');
      // The other connection is still served.
      const r = await other.call(SM_VERS_DEF, 'SM_STAT', { mon_name: 'x' });
      assert.equal(r.state % 2, 1);
    } finally {
      other.close();
    }
  });

  test('a connection that stalls in the middle of a record is closed', async () => {
    const partial = Buffer.from([0x80, 0, 0, 40, 1, 2, 3]); // promises 40 bytes, sends 3
    const t = await closedAfter(d.targets.nsm.port, partial, 20_000);
    assert.notEqual(t, 'still-open', 'closed by the stalled-record timeout');
    assert.ok(await probe(d.targets.nsm));
  });
});
