/** Stable codes of the errors an RPC call can fail with. */
export type RpcErrorCode =
  | 'ERR_RPC_TIMEOUT' // no reply within timeoutMs (retransmissions included)
  | 'ERR_RPC_ABORTED' // the call's AbortSignal fired
  | 'ERR_RPC_PROG_UNAVAIL' // RFC 5531 §9 accept_stat PROG_UNAVAIL
  | 'ERR_RPC_PROG_MISMATCH' // PROG_MISMATCH; low/high give the versions the server has
  | 'ERR_RPC_PROC_UNAVAIL' // PROC_UNAVAIL
  | 'ERR_RPC_GARBAGE_ARGS' // GARBAGE_ARGS: the server could not decode the arguments
  | 'ERR_RPC_SYSTEM_ERR' // SYSTEM_ERR: the server failed while running the procedure
  | 'ERR_RPC_MISMATCH' // reject_stat RPC_MISMATCH; low/high give the RPC versions the server speaks
  | 'ERR_RPC_AUTH' // reject_stat AUTH_ERROR; authStat says why
  | 'ERR_RPC_CONNECTION' // socket error, connection lost or refused, client closed
  | 'ERR_RPC_BAD_REPLY'; // a reply that could not be decoded

/** Extra facts some RPC errors carry. */
export interface RpcErrorDetails {
  /** Lowest and highest version supported (PROG_MISMATCH, RPC_MISMATCH). */
  low?: number;
  high?: number;
  /** auth_stat of an AUTH_ERROR (RFC 5531 §9). */
  authStat?: number;
  cause?: unknown;
}

/** The one error type an RPC call rejects with; `code` is stable, the message is for people. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly low?: number;
  readonly high?: number;
  readonly authStat?: number;

  constructor(
    readonly code: RpcErrorCode,
    message: string,
    details: RpcErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.low !== undefined) this.low = details.low;
    if (details.high !== undefined) this.high = details.high;
    if (details.authStat !== undefined) this.authStat = details.authStat;
  }
}

/** Codes of the errors a TCP record stream can break with (RFC 5531 §11). */
export type RecordErrorCode = 'ERR_RPC_RECORD_TOO_LARGE';

/** A broken record-marked stream: the connection carrying it must be closed. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
  constructor(
    readonly code: RecordErrorCode,
    message: string,
  ) {
    super(message);
  }
}
