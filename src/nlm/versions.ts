// NLM versions 1 and 3 (32-bit offsets, XNFS 3W ch. 10) served through the version 4 logic
// (RFC 1813 appendix II): arguments are widened to 64 bits, results narrowed back.
import type {
  nlm_cancargs,
  nlm_holder,
  nlm_lock,
  nlm_lockargs,
  nlm_res,
  nlm_shareargs,
  nlm_shareres,
  nlm_stats,
  nlm_testargs,
  nlm_testres,
  nlm_unlockargs,
  nlm4_cancargs,
  nlm4_holder,
  nlm4_lock,
  nlm4_lockargs,
  nlm4_res,
  nlm4_shareargs,
  nlm4_shareres,
  nlm4_stats,
  nlm4_testargs,
  nlm4_testres,
  nlm4_unlockargs,
} from '../proto/nlm_prot.js';

const U32_MAX = 0xffffffffn;

export function lockToV4(l: nlm_lock): nlm4_lock {
  return { ...l, l_offset: BigInt(l.l_offset), l_len: BigInt(l.l_len) };
}

export function lockFromV4(l: nlm4_lock): nlm_lock {
  return { ...l, l_offset: clip(l.l_offset), l_len: clip(l.l_len) };
}

export const lockArgsToV4 = (a: nlm_lockargs): nlm4_lockargs => ({ ...a, alock: lockToV4(a.alock) });
export const cancArgsToV4 = (a: nlm_cancargs): nlm4_cancargs => ({ ...a, alock: lockToV4(a.alock) });
export const testArgsToV4 = (a: nlm_testargs): nlm4_testargs => ({ ...a, alock: lockToV4(a.alock) });
export const testArgsFromV4 = (a: nlm4_testargs): nlm_testargs => ({ ...a, alock: lockFromV4(a.alock) });
export const unlockArgsToV4 = (a: nlm_unlockargs): nlm4_unlockargs => ({ ...a, alock: lockToV4(a.alock) });
export const shareArgsToV4 = (a: nlm_shareargs): nlm4_shareargs => a;

/** v4 status to v1/v3: the codes 6-9 that v4 added have no equivalent; DENIED_NOLOCKS is closest. */
export function statFromV4(s: nlm4_stats): nlm_stats {
  return s <= 5 ? (s as nlm_stats) : 2;
}

export const resFromV4 = (r: nlm4_res): nlm_res => ({
  cookie: r.cookie,
  stat: { stat: statFromV4(r.stat.stat) },
});
export const resToV4 = (r: nlm_res): nlm4_res => r;

export function testResFromV4(r: nlm4_testres): nlm_testres {
  if (r.stat.stat === 1)
    return { cookie: r.cookie, test_stat: { stat: 1, holder: holderFromV4(r.stat.holder) } };
  return { cookie: r.cookie, test_stat: { stat: statFromV4(r.stat.stat) as Exclude<nlm_stats, 1> } };
}

export const shareResFromV4 = (r: nlm4_shareres): nlm_shareres => ({ ...r, stat: statFromV4(r.stat) });

function holderFromV4(h: nlm4_holder): nlm_holder {
  // A 64-bit range shown to a 32-bit client: clip, as a lock "to end of file" still reads as one.
  return { ...h, l_offset: clip(h.l_offset), l_len: clip(h.l_len) };
}

function clip(v: bigint): number {
  return Number(v > U32_MAX ? U32_MAX : v);
}
