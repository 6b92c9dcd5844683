// nsmd's private, read-only listing procedure, served next to NLM v4's procedures (program 100021
// version 4). NLM defines procedures 0-23; 100 is far from them and from any vendor extension seen.
import { NLM4_VERS_DEF } from '../proto/nlm_prot.js';
import type { XdrCodec } from '../xdr/codec.js';
import { xdrVoid } from '../xdr/codec.js';
import type { ProgramDef } from '../xdr/program.js';
import { MAX_NETOBJ } from './fh.js';

/** The listing procedure's number. */
export const NSMD_LOCKS_PROC = 100;
/** Most entries one listing carries (it has to fit one RPC record; `truncated` says when more exist). */
export const MAX_LISTING_ENTRIES = 200;
/** Most encoded bytes of entries in one listing (under the 64 KiB a UDP datagram can carry). */
export const MAX_LISTING_BYTES = 48 * 1024;

/** Encoded size of one entry (XDR: 4-byte units, opaques and strings padded). */
export function entrySize(e: LockEntry): number {
  const pad = (n: number) => (n + 3) & ~3;
  return 4 * 3 + 4 + pad(e.caller_name.length) + 4 + pad(e.oh.length) + 4 + pad(e.fh.length) + 16;
}

/** One held lock or queued request, as the listing procedure reports it. */
export interface LockEntry {
  queued: boolean;
  exclusive: boolean;
  caller_name: string;
  svid: number;
  oh: Uint8Array;
  fh: Uint8Array;
  l_offset: bigint;
  l_len: bigint;
}

/** The listing: grace state, the server's NSM state, and the entries. */
export interface LockListingReply {
  in_grace: boolean;
  grace_left_ms: number;
  nsm_state: number;
  total: number;
  entries: LockEntry[];
  truncated: boolean;
}

const entryCodec: XdrCodec<LockEntry> = {
  encode(w, v) {
    w.bool(v.queued);
    w.bool(v.exclusive);
    w.string(v.caller_name, 1024);
    w.int(v.svid);
    w.varOpaque(v.oh, MAX_NETOBJ);
    w.varOpaque(v.fh, MAX_NETOBJ);
    w.uhyper(v.l_offset);
    w.uhyper(v.l_len);
  },
  decode(r) {
    return {
      queued: r.bool(),
      exclusive: r.bool(),
      caller_name: r.string(1024),
      svid: r.int(),
      oh: Uint8Array.from(r.varOpaque(MAX_NETOBJ)),
      fh: Uint8Array.from(r.varOpaque(MAX_NETOBJ)),
      l_offset: r.uhyper(),
      l_len: r.uhyper(),
    };
  },
};

/** XDR of the listing: bool in_grace; unsigned grace_left_ms; int nsm_state; unsigned total; entries<200>; bool truncated. */
export const lockListingCodec: XdrCodec<LockListingReply> = {
  encode(w, v) {
    w.bool(v.in_grace);
    w.uint(v.grace_left_ms);
    w.int(v.nsm_state);
    w.uint(v.total);
    w.arrayLength(v.entries.length, MAX_LISTING_ENTRIES);
    for (const e of v.entries) entryCodec.encode(w, e);
    w.bool(v.truncated);
  },
  decode(r) {
    const in_grace = r.bool();
    const grace_left_ms = r.uint();
    const nsm_state = r.int();
    const total = r.uint();
    const n = r.arrayLength(MAX_LISTING_ENTRIES, 40);
    const entries: LockEntry[] = [];
    for (let i = 0; i < n; i++) entries.push(entryCodec.decode(r));
    return { in_grace, grace_left_ms, nsm_state, total, entries, truncated: r.bool() };
  },
};

/** NLM v4 plus the listing procedure: what `nsmd lockd` serves as program 100021 version 4. */
export const NLM4_NSMD_DEF = {
  ...NLM4_VERS_DEF,
  procs: {
    ...NLM4_VERS_DEF.procs,
    NSMD_LOCKS: { name: 'NSMD_LOCKS', proc: NSMD_LOCKS_PROC, args: xdrVoid, res: lockListingCodec },
  },
} as const satisfies ProgramDef;
