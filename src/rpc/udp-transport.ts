/**
 * What RpcServer needs of a UDP socket, so that node:dgram (udp-dgram.ts) and the batched native
 * addon (udp-native.ts) sit behind the same few calls.
 */

/** Which implementation carries a UDP listener. */
export type UdpTransportKind = 'native' | 'dgram';

/** Which implementation to use: 'auto' takes the native one when it is built, else node:dgram. */
export type UdpTransportChoice = 'auto' | UdpTransportKind;

/**
 * Receives one datagram and its source, the address spelt as node:dgram's rinfo.address (so a
 * v4-mapped IPv6 address on a dual-stack socket); returns the reply to send back to that source
 * at once, or null. The transport may queue that reply and send it with others after the batch.
 * When `transient` is true the bytes of msg are reused after the call: copy what must be kept.
 */
export type UdpReceive = (
  msg: Uint8Array,
  address: string,
  port: number,
  transient: boolean,
) => Uint8Array | null;

/** What a transport is bound with. */
export interface UdpBindOptions {
  type: 'udp4' | 'udp6';
  /** An IP literal: the server resolves names first. */
  host: string;
  port: number;
  receive: UdpReceive;
  /** Replies the kernel refused (full buffers) and that were dropped. */
  onSendErrors: (count: number) => void;
  /** Errors of the socket itself after it was bound. */
  onError: (err: Error) => void;
}

/** A bound UDP socket delivering datagrams to a UdpReceive. */
export interface UdpTransport {
  readonly kind: UdpTransportKind;
  /** The address bound, as node:dgram's address() gives it ('::', '127.0.0.1'). */
  readonly address: string;
  readonly port: number;
  /** Sends a datagram now: replies finished after the receive call returned. */
  send(data: Uint8Array, address: string, port: number): void;
  /** SO_RCVBUF; throws when the kernel refuses. */
  setRecvBufferSize(bytes: number): void;
  /** Stops receiving; resolves once the socket is closed. */
  close(): Promise<void>;
}
