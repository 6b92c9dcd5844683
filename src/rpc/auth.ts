import { XdrError } from '../xdr/errors.js';
import { XdrReader } from '../xdr/reader.js';
import { XdrWriter } from '../xdr/writer.js';
import type { AuthSys } from './types.js';

/** auth_flavor values (RFC 5531 §8.2, Appendix A). */
export const AuthFlavor = {
  AUTH_NONE: 0,
  AUTH_SYS: 1,
  AUTH_SHORT: 2,
  AUTH_DH: 3,
  RPCSEC_GSS: 6,
} as const;

/** auth_stat values of an AUTH_ERROR reply (RFC 5531 §9). */
export const AuthStat = {
  AUTH_OK: 0,
  AUTH_BADCRED: 1,
  AUTH_REJECTEDCRED: 2,
  AUTH_BADVERF: 3,
  AUTH_REJECTEDVERF: 4,
  AUTH_TOOWEAK: 5,
  AUTH_INVALIDRESP: 6,
  AUTH_FAILED: 7,
  AUTH_KERB_GENERIC: 8,
  AUTH_TIMEEXPIRE: 9,
  AUTH_TKT_FILE: 10,
  AUTH_DECODE: 11,
  AUTH_NET_ADDR: 12,
  RPCSEC_GSS_CREDPROBLEM: 13,
  RPCSEC_GSS_CTXPROBLEM: 14,
} as const;

/** Largest opaque_auth body (RFC 5531 §8.2). */
export const MAX_AUTH_BYTES = 400;
/** machinename<255> of authsys_parms (RFC 5531 Appendix A). */
export const AUTH_SYS_MAX_MACHINENAME = 255;
/** gids<16> of authsys_parms. */
export const AUTH_SYS_MAX_GIDS = 16;

/** opaque_auth: a flavour and up to 400 opaque bytes (RFC 5531 §8.2). */
export interface OpaqueAuth {
  flavor: number;
  body: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The AUTH_NONE credential or verifier. */
export const AUTH_NONE: OpaqueAuth = Object.freeze({
  flavor: AuthFlavor.AUTH_NONE,
  body: EMPTY,
}) as OpaqueAuth;

/** Encodes authsys_parms into the body of an AUTH_SYS credential (RFC 5531 Appendix A). */
export function encodeAuthSysBody(w: XdrWriter, a: AuthSys): void {
  w.uint(a.stamp >>> 0);
  w.string(a.machinename, AUTH_SYS_MAX_MACHINENAME);
  w.uint(a.uid >>> 0);
  w.uint(a.gid >>> 0);
  w.arrayLength(a.gids.length, AUTH_SYS_MAX_GIDS);
  for (const g of a.gids) w.uint(g >>> 0);
}

/** Builds an AUTH_SYS credential; throws XdrError if it does not fit in 400 bytes. */
export function authSysCredential(a: AuthSys): OpaqueAuth {
  const w = new XdrWriter(128);
  encodeAuthSysBody(w, a);
  if (w.offset > MAX_AUTH_BYTES) {
    throw new XdrError(
      'ERR_XDR_LIMIT',
      0,
      `AUTH_SYS credential: ${w.offset} bytes exceeds ${MAX_AUTH_BYTES}`,
    );
  }
  return { flavor: AuthFlavor.AUTH_SYS, body: w.toBuffer() };
}

/** Decodes the body of an AUTH_SYS credential; throws XdrError on anything malformed or trailing. */
export function decodeAuthSysBody(body: Uint8Array): AuthSys {
  const r = new XdrReader(body);
  const stamp = r.uint();
  const machinename = r.string(AUTH_SYS_MAX_MACHINENAME);
  const uid = r.uint();
  const gid = r.uint();
  const n = r.arrayLength(AUTH_SYS_MAX_GIDS, 4);
  const gids: number[] = new Array(n);
  for (let i = 0; i < n; i++) gids[i] = r.uint();
  r.finish();
  return { stamp, machinename, uid, gid, gids };
}
