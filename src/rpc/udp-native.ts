import { getSystemErrorName } from 'node:util';
import { NativeAddon, type NativeAddonStatus } from './native-addon.js';
import type { UdpBindOptions, UdpReceive, UdpTransport } from './udp-transport.js';

/** The addon's socket (native/udp/udp.cc). Negative numbers are -errno. */
interface NativeSocket {
  bind(family: 4 | 6, host: string, port: number): number;
  localAddress(): string | undefined;
  setRecvBufferSize(bytes: number): number;
  start(
    landing: Uint8Array,
    meta: Int32Array,
    addrText: Uint8Array,
    sendArea: Uint8Array,
    sendMeta: Int32Array,
    onBatch: (data: Buffer | undefined, count: number, sendErrors: number) => number,
    onClose: () => void,
  ): void;
  sendTo(data: Uint8Array, address: string, port: number): number;
  close(): boolean;
}

interface NativeBinding {
  UdpSocket: new () => NativeSocket;
  /** Most datagrams per batch. */
  batch: number;
  /** Bytes per datagram in addrText. */
  addrText: number;
  /** Bytes per datagram in landing: longer batches come in a fresh buffer. */
  landing: number;
}

/** Whether the native UDP addon is loaded, and why not when it is not. */
export type NativeUdpStatus = NativeAddonStatus;

// Built by scripts/build-native.mjs next to dist/src: dist/native/nsmd_udp.node.
export const nativeUdp = new NativeAddon<NativeBinding>('nsmd_udp');
/** Bytes of replies a batch may queue; a reply that does not fit is sent on its own. */
const SEND_AREA_BYTES = 64 * 1024;

/** Loads the addon once; says whether it is there. */
export function nativeUdpStatus(): NativeUdpStatus {
  return nativeUdp.status();
}

function errnoError(errno: number, syscall: string, address?: string, port?: number): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `E${-errno}`;
  }
  const where = address === undefined ? '' : ` ${address}:${port}`;
  const err: NodeJS.ErrnoException & { address?: string; port?: number } = new Error(
    `${syscall} ${code}${where}`,
  );
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  if (address !== undefined) {
    err.address = address;
    err.port = port;
  }
  return err;
}

/**
 * UDP through the addon: datagrams arrive in batches read with recvmmsg, and the replies a batch
 * produces at once leave in one sendmmsg. A batch of short datagrams is read in place from a
 * buffer the next batch reuses, so receive() is told the bytes are transient.
 */
class NativeUdpTransport implements UdpTransport {
  readonly kind = 'native';
  private readonly landing: Buffer;
  private readonly meta: Int32Array;
  private readonly addrText: Buffer;
  private readonly sendArea: Buffer;
  private readonly sendMeta: Int32Array;
  private readonly textBytes: number;
  /** Source address of the last datagram: the addon formats it only when it changes. */
  private lastAddress = '';
  private closing: Promise<void> | null = null;
  private closed: (() => void) | null = null;

  constructor(
    private readonly socket: NativeSocket,
    b: NativeBinding,
    readonly address: string,
    readonly port: number,
    private readonly receive: UdpReceive,
    private readonly onSendErrors: (count: number) => void,
  ) {
    this.textBytes = b.addrText;
    this.landing = Buffer.alloc(b.batch * b.landing);
    this.meta = new Int32Array(b.batch * 4);
    this.addrText = Buffer.alloc(b.batch * b.addrText);
    this.sendArea = Buffer.alloc(SEND_AREA_BYTES);
    this.sendMeta = new Int32Array(b.batch * 3);
    socket.start(
      this.landing,
      this.meta,
      this.addrText,
      this.sendArea,
      this.sendMeta,
      (data, count, sendErrors) => this.onBatch(data, count, sendErrors),
      () => this.closed?.(),
    );
  }

  /** One batch: every datagram to receive(), their replies queued for the addon's sendmmsg. */
  private onBatch(data: Buffer | undefined, count: number, sendErrors: number): number {
    if (sendErrors > 0) this.onSendErrors(sendErrors);
    const transient = data === undefined;
    const source = data ?? this.landing;
    const meta = this.meta;
    const sendMeta = this.sendMeta;
    let queued = 0;
    let used = 0;
    for (let i = 0; i < count; i++) {
      if (this.closing !== null) {
        this.skipAddresses(i, count);
        break;
      }
      const m = i * 4;
      const offset = meta[m]!;
      const port = meta[m + 2]!;
      const textLength = meta[m + 3]!;
      if (textLength !== 0) {
        const at = i * this.textBytes;
        this.lastAddress = this.addrText.toString('latin1', at, at + textLength);
      }
      const msg = source.subarray(offset, offset + meta[m + 1]!);
      let reply: Uint8Array | null;
      try {
        reply = this.receive(msg, this.lastAddress, port, transient);
      } catch (err) {
        // The addon names a source only when it changes: keep in step before giving up the batch.
        this.skipAddresses(i + 1, count);
        throw err;
      }
      if (reply === null) continue;
      if (used + reply.length <= SEND_AREA_BYTES) {
        this.sendArea.set(reply, used);
        const q = queued * 3;
        sendMeta[q] = used;
        sendMeta[q + 1] = reply.length;
        sendMeta[q + 2] = i;
        queued++;
        used += reply.length;
      } else {
        this.send(reply, this.lastAddress, port);
      }
    }
    return queued;
  }

  private skipAddresses(from: number, count: number): void {
    for (let i = from; i < count; i++) {
      const textLength = this.meta[i * 4 + 3]!;
      const at = i * this.textBytes;
      if (textLength !== 0) this.lastAddress = this.addrText.toString('latin1', at, at + textLength);
    }
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closing !== null) return;
    if (this.socket.sendTo(data, address, port) < 0) this.onSendErrors(1);
  }

  setRecvBufferSize(bytes: number): void {
    const r = this.socket.setRecvBufferSize(bytes);
    if (r < 0) throw errnoError(r, 'setsockopt');
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.closed = resolve;
      if (!this.socket.close()) resolve();
    });
    return this.closing;
  }
}

/** Binds a UDP socket of the addon; throws when the addon is not loaded. '::' is dual-stack. */
export async function bindNativeUdp(opts: UdpBindOptions): Promise<UdpTransport> {
  const b = nativeUdp.binding();
  if (b === null) throw new Error(`native UDP transport unavailable: ${nativeUdp.status().reason}`);
  const socket = new b.UdpSocket();
  const port = socket.bind(opts.type === 'udp6' ? 6 : 4, opts.host, opts.port);
  if (port < 0) throw errnoError(port, 'bind', opts.host, opts.port);
  const address = socket.localAddress() ?? opts.host;
  return new NativeUdpTransport(socket, b, address, port, opts.receive, opts.onSendErrors);
}
