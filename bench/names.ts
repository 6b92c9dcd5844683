// Names of the hosts a benchmark daemon monitors, and their records in the nfs-utils layout.
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The i-th monitored name (i >= 0): an IPv4 literal from 10.200.0.1 up. Linux's lockd sends the
 * peer's address as mon_name by default (nsm_use_hostnames=0), and a literal keeps the resolver's
 * hosts-file scan out of the figures. These addresses are only names: nothing is sent to them.
 */
export function monName(i: number): string {
  const n = i + 1;
  return `10.${200 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The my_name recorded with every benchmark monitor (the lock manager's own host). */
export const MY_NAME = '127.0.0.1';
/** NLM callback target of every record: prog 100021 (nlockmgr) v4, proc 16 (NLMPROC4_NSM_NOTIFY). */
export const MY_ID = { my_name: MY_NAME, my_prog: 100021, my_vers: 4, my_proc: 16 } as const;

/** 16 bytes of priv derived from i, so every record differs like the kernel's do. */
export function privOf(i: number): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(i >>> 0, 12);
  b.writeUInt32BE(0x6e736d64, 0);
  return b;
}

/**
 * Writes `count` monitor records (names 0..count-1) into STATE_DIR/sm in the nfs-utils layout
 * (XNFS NSM records as rpc.statd stores them: callback address as host-endian s_addr, prog, vers,
 * proc, priv in hex, mon_name, my_name), owned by uid/gid. Returns the time taken in ms.
 */
export function writeMonitorRecords(
  stateDir: string,
  count: number,
  owner: { uid: number; gid: number },
): number {
  const t0 = performance.now();
  const sm = join(stateDir, 'sm');
  mkdirSync(sm, { recursive: true });
  const loopback = Buffer.from([127, 0, 0, 1]).readUInt32LE(0).toString(16).padStart(8, '0');
  const head = `${loopback} ${(100021).toString(16).padStart(8, '0')} 00000004 00000010`;
  for (let i = 0; i < count; i++) {
    const name = monName(i);
    const file = join(sm, name);
    writeFileSync(file, `${head} ${Buffer.from(privOf(i)).toString('hex')} ${name} ${MY_NAME}\n`);
    chownSync(file, owner.uid, owner.gid);
  }
  return performance.now() - t0;
}

/**
 * Marks a state dir as "same boot, state 3" for both daemons: nfs-utils' `state` file (4 bytes,
 * host-endian) and nsmd's boot id beside it, so neither treats the records in sm/ as left over
 * from before a reboot.
 */
export function markSameBoot(stateDir: string, owner: { uid: number; gid: number }, state = 3): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(state, 0);
  writeFileSync(join(stateDir, 'state'), b);
  chownSync(join(stateDir, 'state'), owner.uid, owner.gid);
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(join(stateDir, 'nsmd-boot-id'), bootId);
  chownSync(join(stateDir, 'nsmd-boot-id'), owner.uid, owner.gid);
}
