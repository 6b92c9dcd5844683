/**
 * An SM_NOTIFY storm: COUNT hosts (names.ts addresses FIRST..) announce a reboot to one statd at
 * once, each from its own address (the peers' namespace owns them), WINDOW calls in flight,
 * retransmitting unanswered calls after a second, bounded in time. Prints {"bound":COUNT} once
 * its sockets are bound, starts on SIGUSR2, and prints
 * {"t0":ms,"answered":N,"lastReplyAt":ms,"retransmits":R} at the end.
 *
 *   node dist/bench/storm.js --target 10.199.0.1 --port 4000 --count 10000 --state 5
 */
import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { stat_chge } from '../src/proto/sm_inter.js';
import { encodeCallHeader } from '../src/rpc/message.js';
import { XdrWriter } from '../src/xdr/writer.js';
import { monName } from './names.js';

interface Peer {
  sock: dgram.Socket;
  msg: Buffer;
  xid: number;
  sentAt: number;
  answered: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      port: { type: 'string', default: '4000' },
      first: { type: 'string', default: '0' },
      count: { type: 'string', default: '100' },
      state: { type: 'string', default: '5' },
      window: { type: 'string', default: '64' },
      duration: { type: 'string', default: '120000' },
      // Start anyway after this long without SIGUSR2.
      'start-within': { type: 'string', default: '30000' },
    },
    strict: true,
  });
  if (!values.target) throw new Error('--target is required');
  const target = values.target;
  const port = Number(values.port);
  const first = Number(values.first);
  const count = Number(values.count);
  const window = Number(values.window);
  const peers: Peer[] = [];
  let answered = 0;
  let lastReplyAt = 0;
  let retransmits = 0;
  let next = 0;
  let inFlight = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const baseXid = (Math.random() * 0x7fffffff) >>> 0;

  const send = (p: Peer) => {
    p.sentAt = Date.now();
    p.sock.send(p.msg, port, target);
  };
  const pump = () => {
    while (inFlight < window && next < peers.length) {
      inFlight++;
      send(peers[next++]!);
    }
  };

  for (let i = 0; i < count; i++) {
    const address = monName(first + i);
    const w = new XdrWriter(128);
    const xid = (baseXid + i) >>> 0;
    encodeCallHeader(w, { xid, prog: 100024, vers: 1, proc: 6 }); // SM_NOTIFY
    stat_chge.encode(w, { mon_name: address, state: Number(values.state) });
    const sock = dgram.createSocket('udp4');
    const peer: Peer = { sock, msg: w.toBuffer(), xid, sentAt: 0, answered: false };
    sock.on('error', () => {});
    sock.on('message', (m) => {
      if (m.length < 8 || m.readUInt32BE(0) !== peer.xid || peer.answered) return;
      peer.answered = true;
      answered++;
      inFlight--;
      lastReplyAt = Date.now();
      if (answered === count) finish();
      else pump();
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    peers.push(peer);
  }
  // Every socket is bound: say so, and start on SIGUSR2 (the caller first starts its probes).
  process.stdout.write(`${JSON.stringify({ bound: count })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGUSR2', () => resolve());
    setTimeout(resolve, Number(values['start-within'])).unref();
  });
  const t0 = Date.now();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (let i = 0; i < next; i++) {
      const p = peers[i]!;
      if (!p.answered && now - p.sentAt >= 1000) {
        retransmits++;
        send(p);
      }
    }
  }, 100);
  const limit = setTimeout(finish, Number(values.duration));
  pump();
  await finished;
  clearInterval(sweep);
  clearTimeout(limit);
  for (const p of peers) p.sock.close();
  process.stdout.write(`${JSON.stringify({ t0, sent: next, answered, lastReplyAt, retransmits })}\n`);
}

main().catch((err) => {
  process.stderr.write(`storm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
