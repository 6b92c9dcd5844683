/**
 * Many reachable NSM peers in one process, for the notification benchmark. For each address given,
 * one UDP socket on ADDRESS:111 answers what a notifier asks a rebooted host's peers:
 *   - portmap v2 GETPORT and rpcbind v3/v4 GETADDR for program 100024 (RFC 1833): "port 111",
 *     so the same socket also plays the peer's statd;
 *   - NSM SM_NOTIFY (XNFS 3W, procedure 6): acknowledged with an empty reply, and the first one
 *     per address is counted.
 * One socket per address, so each reply leaves from the address that was asked (as from a real
 * host) and each acknowledgement is known per peer. Runs inside the peers' network namespace,
 * where the addresses are local. Prints JSON lines: {"ready":N}, then {"done":N,"lastAckAt":ms}
 * once every address was notified, then keeps answering until SIGTERM or --duration.
 *
 *   node dist/bench/peers.js --first 0 --count 1000 [--duration 600000]
 */
import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { monName } from './names.js';

const PMAP_PROG = 100000;
const SM_PROG = 100024;
const PORT = 111;

/** Builds an accepted-SUCCESS reply (RFC 5531 §9) with AUTH_NONE verifier and `result` bytes. */
function reply(xid: number, result: Buffer): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32BE(xid, 0);
  head.writeUInt32BE(1, 4); // REPLY
  // MSG_ACCEPTED, verifier AUTH_NONE with empty body, SUCCESS: all zero.
  return Buffer.concat([head, result]);
}

function uintBytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** XDR string (RFC 4506 §4.11). */
function xdrString(s: string): Buffer {
  const body = Buffer.from(s, 'latin1');
  const pad = (4 - (body.length % 4)) % 4;
  return Buffer.concat([uintBytes(body.length), body, Buffer.alloc(pad)]);
}

/** Reads a call header (RFC 5531 §9); undefined when it is not a call we can parse. */
function parseCall(msg: Buffer): { xid: number; prog: number; vers: number; proc: number } | undefined {
  if (msg.length < 40 || msg.readUInt32BE(4) !== 0 || msg.readUInt32BE(8) !== 2) return undefined;
  const xid = msg.readUInt32BE(0);
  const prog = msg.readUInt32BE(12);
  const vers = msg.readUInt32BE(16);
  const proc = msg.readUInt32BE(20);
  return { xid, prog, vers, proc };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      first: { type: 'string', default: '0' },
      count: { type: 'string', default: '100' },
      duration: { type: 'string', default: '600000' },
    },
    strict: true,
  });
  const first = Number(values.first);
  const count = Number(values.count);
  const acked = new Set<string>();
  let notifies = 0;
  let done = false;
  const sockets: dgram.Socket[] = [];

  const onMessage = (sock: dgram.Socket, address: string, msg: Buffer, rinfo: dgram.RemoteInfo) => {
    const call = parseCall(msg);
    if (!call) return;
    let result: Buffer | undefined;
    if (call.prog === PMAP_PROG && call.vers === 2 && call.proc === 3) {
      result = uintBytes(PORT); // PMAPPROC_GETPORT
    } else if (call.prog === PMAP_PROG && (call.vers === 3 || call.vers === 4) && call.proc === 3) {
      result = xdrString(`${address}.${PORT >> 8}.${PORT & 255}`); // RPCBPROC_GETADDR, universal address
    } else if (call.prog === PMAP_PROG && call.proc === 0) {
      result = Buffer.alloc(0);
    } else if (call.prog === SM_PROG && call.vers === 1 && (call.proc === 6 || call.proc === 0)) {
      result = Buffer.alloc(0);
      if (call.proc === 6) {
        notifies++;
        if (!acked.has(address)) {
          acked.add(address);
          if (!done && acked.size === count) {
            done = true;
            process.stdout.write(`${JSON.stringify({ done: count, lastAckAt: Date.now(), notifies })}\n`);
          }
        }
      }
    }
    if (result) sock.send(reply(call.xid, result), rinfo.port, rinfo.address);
  };

  for (let i = first; i < first + count; i++) {
    const address = monName(i);
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => onMessage(sock, address, msg, rinfo));
    sock.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(PORT, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sockets.push(sock);
  }
  process.stdout.write(`${JSON.stringify({ ready: count })}\n`);
  const stop = () => {
    for (const s of sockets) s.close();
    process.stdout.write(`${JSON.stringify({ acked: acked.size, notifies })}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(values.duration));
}

main().catch((err) => {
  process.stderr.write(`peers: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
