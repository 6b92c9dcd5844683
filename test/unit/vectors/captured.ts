import type { ProgramDef } from '../../../src/xdr/program.js';

/**
 * One RPC message captured from a real peer: the bytes as annotated hex (one XDR word a line,
 * `#` starts a note), what the header and body decode to, and which procedure it belongs to.
 * TCP messages keep their record mark (RFC 5531 §11).
 */
export interface CapturedVector {
  name: string;
  transport: 'udp' | 'tcp';
  kind: 'call' | 'reply';
  def: ProgramDef;
  /** Procedure name in def.procs. */
  proc: string;
  /** Expected header fields: xid, prog/vers/proc of a call; acceptStat (and low/high) or the denial of a reply. */
  header: {
    xid: number;
    prog?: number;
    vers?: number;
    proc?: number;
    acceptStat?: number;
    low?: number;
    high?: number;
    /** 1 for MSG_DENIED replies, with rejectStat and authStat. */
    replyStat?: number;
    rejectStat?: number;
    authStat?: number;
  };
  /** Expected arguments or results; lists (optional-data chains) are given as arrays of their items. */
  body?: unknown;
  hex: string;
}

/** The bytes of annotated hex: notes after `#` and all whitespace dropped. */
export function hexBytes(annotated: string): Buffer {
  const digits = annotated
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error('vector hex is malformed');
  return Buffer.from(digits, 'hex');
}
