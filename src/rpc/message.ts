import { XdrError } from '../xdr/errors.js';
import type { XdrWriter } from '../xdr/writer.js';
import { AUTH_NONE, MAX_AUTH_BYTES, type OpaqueAuth } from './auth.js';

/** The only RPC protocol version (RFC 5531 §9, rpcvers). */
export const RPC_VERSION = 2;

/** msg_type (RFC 5531 §9). */
export const MsgType = { CALL: 0, REPLY: 1 } as const;
/** reply_stat. */
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const;
/** accept_stat. */
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const;
/** reject_stat. */
export const RejectStat = { RPC_MISMATCH: 0, AUTH_ERROR: 1 } as const;

/** The header of a call_body, everything before the procedure's arguments (RFC 5531 §9). */
export interface CallHeader {
  xid: number;
  rpcvers: number;
  prog: number;
  vers: number;
  proc: number;
  cred: OpaqueAuth;
  verf: OpaqueAuth;
}

/** A decoded call header and where the undecoded arguments start in the same buffer. */
export interface DecodedCall {
  header: CallHeader;
  /** Offset of the first argument byte; the arguments run to the end of the message. */
  bodyOffset: number;
}

/** A reply header: accepted (with a verifier) or denied (RFC 5531 §9). */
export type ReplyHeader =
  | { xid: number; replyStat: 0; verf: OpaqueAuth; acceptStat: 0 | 1 | 3 | 4 | 5 }
  | { xid: number; replyStat: 0; verf: OpaqueAuth; acceptStat: 2; low: number; high: number }
  | { xid: number; replyStat: 1; rejectStat: 0; low: number; high: number }
  | { xid: number; replyStat: 1; rejectStat: 1; authStat: number };

/** A decoded reply header and where the results start (only meaningful for SUCCESS). */
export interface DecodedReply {
  header: ReplyHeader;
  bodyOffset: number;
}

/** Big-endian unsigned 32-bit read without bounds checks (callers check). */
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function need(end: number, at: number, n: number, what: string): void {
  if (end - at < n)
    throw new XdrError('ERR_XDR_SHORT', at, `${what}: need ${n} bytes, ${Math.max(end - at, 0)} left`);
}

/** Reads opaque_auth at `at`; returns the value and the offset after it. Body is a view, not a copy. */
function readAuth(b: Uint8Array, at: number, end: number, what: string): [OpaqueAuth, number] {
  need(end, at, 8, what);
  const flavor = u32(b, at);
  const len = u32(b, at + 4);
  if (len > MAX_AUTH_BYTES) {
    throw new XdrError('ERR_XDR_LIMIT', at + 4, `${what}: body of ${len} bytes exceeds ${MAX_AUTH_BYTES}`);
  }
  at += 8;
  const padded = (len + 3) & ~3;
  need(end, at, padded, what);
  for (let i = len; i < padded; i++) {
    if (b[at + i] !== 0) throw new XdrError('ERR_XDR_PADDING', at + i, `${what}: non-zero padding`);
  }
  const body = len === 0 ? AUTH_NONE.body : b.subarray(at, at + len);
  return [flavor === 0 && len === 0 ? AUTH_NONE : { flavor, body }, at + padded];
}

/** Reads the xid of any RPC message, or returns -1 when fewer than 4 bytes are there. */
export function peekXid(b: Uint8Array, start = 0, end = b.length): number {
  return end - start < 4 ? -1 : u32(b, start);
}

/**
 * Decodes a call header (RFC 5531 §9 rpc_msg with mtype CALL) without touching the arguments.
 * Throws XdrError when the message is short, not a CALL, or an opaque_auth is malformed.
 * A call whose rpcvers is not 2 is decoded up to rpcvers only (prog/vers/proc read as 0)
 * so that the server can still answer RPC_MISMATCH.
 */
export function decodeCallHeader(b: Uint8Array, start = 0, end = b.length): DecodedCall {
  need(end, start, 12, 'call header');
  const xid = u32(b, start);
  const mtype = u32(b, start + 4);
  if (mtype !== MsgType.CALL)
    throw new XdrError('ERR_XDR_VALUE', start + 4, `msg_type: expected CALL, got ${mtype}`);
  const rpcvers = u32(b, start + 8);
  if (rpcvers !== RPC_VERSION) {
    return {
      header: { xid, rpcvers, prog: 0, vers: 0, proc: 0, cred: AUTH_NONE, verf: AUTH_NONE },
      bodyOffset: end,
    };
  }
  need(end, start + 12, 12, 'call header');
  const prog = u32(b, start + 12);
  const vers = u32(b, start + 16);
  const proc = u32(b, start + 20);
  const [cred, afterCred] = readAuth(b, start + 24, end, 'cred');
  const [verf, bodyOffset] = readAuth(b, afterCred, end, 'verf');
  return { header: { xid, rpcvers, prog, vers, proc, cred, verf }, bodyOffset };
}

function writeAuth(w: XdrWriter, a: OpaqueAuth): void {
  w.uint(a.flavor);
  w.varOpaque(a.body, MAX_AUTH_BYTES);
}

/** Encodes a call header; the caller then encodes the arguments into the same writer. */
export function encodeCallHeader(
  w: XdrWriter,
  h: {
    xid: number;
    prog: number;
    vers: number;
    proc: number;
    cred?: OpaqueAuth;
    verf?: OpaqueAuth;
    rpcvers?: number;
  },
): void {
  w.uint(h.xid >>> 0);
  w.uint(MsgType.CALL);
  w.uint(h.rpcvers ?? RPC_VERSION);
  w.uint(h.prog);
  w.uint(h.vers);
  w.uint(h.proc);
  writeAuth(w, h.cred ?? AUTH_NONE);
  writeAuth(w, h.verf ?? AUTH_NONE);
}

/** Encodes a reply header; for SUCCESS the caller then encodes the results into the same writer. */
export function encodeReplyHeader(w: XdrWriter, h: ReplyHeader): void {
  w.uint(h.xid >>> 0);
  w.uint(MsgType.REPLY);
  w.uint(h.replyStat);
  if (h.replyStat === ReplyStat.MSG_ACCEPTED) {
    writeAuth(w, h.verf);
    w.uint(h.acceptStat);
    if (h.acceptStat === AcceptStat.PROG_MISMATCH) {
      w.uint(h.low);
      w.uint(h.high);
    }
  } else {
    w.uint(h.rejectStat);
    if (h.rejectStat === RejectStat.RPC_MISMATCH) {
      w.uint(h.low);
      w.uint(h.high);
    } else {
      w.uint(h.authStat);
    }
  }
}

/** Decodes a reply header (RFC 5531 §9 rpc_msg with mtype REPLY). Throws XdrError on malformed input. */
export function decodeReplyHeader(b: Uint8Array, start = 0, end = b.length): DecodedReply {
  need(end, start, 12, 'reply header');
  const xid = u32(b, start);
  const mtype = u32(b, start + 4);
  if (mtype !== MsgType.REPLY)
    throw new XdrError('ERR_XDR_VALUE', start + 4, `msg_type: expected REPLY, got ${mtype}`);
  const stat = u32(b, start + 8);
  let at = start + 12;
  if (stat === ReplyStat.MSG_ACCEPTED) {
    const [verf, after] = readAuth(b, at, end, 'verf');
    at = after;
    need(end, at, 4, 'accept_stat');
    const acceptStat = u32(b, at);
    at += 4;
    if (acceptStat === AcceptStat.PROG_MISMATCH) {
      need(end, at, 8, 'mismatch_info');
      return {
        header: { xid, replyStat: 0, verf, acceptStat: 2, low: u32(b, at), high: u32(b, at + 4) },
        bodyOffset: at + 8,
      };
    }
    if (acceptStat > AcceptStat.SYSTEM_ERR) {
      throw new XdrError('ERR_XDR_VALUE', at - 4, `accept_stat: ${acceptStat} is not a declared value`);
    }
    return {
      header: { xid, replyStat: 0, verf, acceptStat: acceptStat as 0 | 1 | 3 | 4 | 5 },
      bodyOffset: at,
    };
  }
  if (stat !== ReplyStat.MSG_DENIED)
    throw new XdrError('ERR_XDR_VALUE', start + 8, `reply_stat: ${stat} is not declared`);
  need(end, at, 4, 'reject_stat');
  const rejectStat = u32(b, at);
  at += 4;
  if (rejectStat === RejectStat.RPC_MISMATCH) {
    need(end, at, 8, 'mismatch_info');
    return {
      header: { xid, replyStat: 1, rejectStat: 0, low: u32(b, at), high: u32(b, at + 4) },
      bodyOffset: at + 8,
    };
  }
  if (rejectStat !== RejectStat.AUTH_ERROR) {
    throw new XdrError('ERR_XDR_VALUE', at - 4, `reject_stat: ${rejectStat} is not a declared value`);
  }
  need(end, at, 4, 'auth_stat');
  return { header: { xid, replyStat: 1, rejectStat: 1, authStat: u32(b, at) }, bodyOffset: at + 4 };
}
