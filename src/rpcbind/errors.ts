/** Stable error codes raised by the rpcbind client, server and registration helper. */
export type RpcbindErrorCode =
  | 'ERR_RPCBIND_UADDR' // a universal address that does not parse (RFC 5665 §5.2.3.4)
  | 'ERR_RPCBIND_NETID' // a netid this toolkit does not handle, or one that does not fit the address
  | 'ERR_RPCBIND_NOT_REGISTERED' // rpcbind answered, but the program is not registered
  | 'ERR_RPCBIND_REFUSED' // rpcbind answered SET or UNSET with false
  | 'ERR_RPCBIND_UNAVAILABLE'; // no rpcbind answered where one was expected

/** An rpcbind-level failure; the underlying RPC or socket error, if any, is in `cause`. */
export class RpcbindError extends Error {
  override readonly name = 'RpcbindError';
  constructor(
    readonly code: RpcbindErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
