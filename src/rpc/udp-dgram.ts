import * as dgram from 'node:dgram';
import { literalLookup } from './address.js';
import type { UdpBindOptions, UdpReceive, UdpTransport } from './udp-transport.js';

/** UDP over node:dgram: one 'message' event and one send per datagram. */
class DgramUdpTransport implements UdpTransport {
  readonly kind = 'dgram';
  readonly address: string;
  readonly port: number;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly socket: dgram.Socket,
    receive: UdpReceive,
  ) {
    const local = socket.address();
    this.address = local.address;
    this.port = local.port;
    socket.on('message', (msg, rinfo) => {
      const reply = receive(msg, rinfo.address, rinfo.port, false);
      if (reply !== null) socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closing === null) this.socket.send(data, port, address);
  }

  setRecvBufferSize(bytes: number): void {
    this.socket.setRecvBufferSize(bytes);
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => this.socket.close(() => resolve()));
    return this.closing;
  }
}

/** Binds a node:dgram socket; '::' is dual-stack. */
export function bindDgramUdp(opts: UdpBindOptions): Promise<UdpTransport> {
  return new Promise((resolve, reject) => {
    // '::' is dual-stack on purpose: IPv4 callers arrive as v4-mapped addresses.
    const socket = dgram.createSocket({ type: opts.type, ipv6Only: false, lookup: literalLookup });
    const onError = (err: Error) => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address: opts.host, port: opts.port, exclusive: true }, () => {
      socket.off('error', onError);
      socket.on('error', opts.onError);
      resolve(new DgramUdpTransport(socket, opts.receive));
    });
  });
}
