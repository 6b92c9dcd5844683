import { hostname } from 'node:os';
import { FsStore } from '../store/fs.js';
import type { Store } from '../store/types.js';
import { type Log, silentLog } from './log.js';
import { checkName } from './names.js';
import { Notifier, type NotifyResult } from './notifier.js';
import { type LookupAll, Resolver } from './resolver.js';
import { BOOT_ID_PATH, readBootId, StateManager } from './state.js';
import { UdpNotifyTransport } from './transport.js';

/** Options of {@link runNotify}. */
export interface RunNotifyOptions {
  stateDir: string;
  names?: string[];
  /** Give up on a peer after this many minutes (0 = never). */
  maxMinutes?: number;
  /** Announce a reboot even if this boot was already announced. */
  force?: boolean;
  /** Bump the state number (false: --no-bump). */
  bump?: boolean;
  outgoingPort?: number;
  /** Reserved source ports to try when root (the CLI gives the registry-aware list of src/ports). */
  reservedPorts?: () => Promise<number[]>;
  bootIdFile?: string;
  rpcbindPort?: number;
  lookup?: LookupAll;
  store?: Store;
  log?: Log;
}

/** What `nsmd notify` did. */
export interface RunNotifyResult extends NotifyResult {
  state: number;
  /** A reboot was announced (false: only peers left over from earlier were retried). */
  announced: boolean;
}

/**
 * sm-notify: on the first run of a boot (or with force) moves the monitor list to the notify list
 * and bumps the state (persisted before any SM_NOTIFY leaves); then notifies every peer of the
 * notify list and drops each one that answered.
 */
export async function runNotify(opts: RunNotifyOptions): Promise<RunNotifyResult> {
  const log = opts.log ?? silentLog;
  const names = opts.names?.length ? opts.names : [hostname()];
  for (const n of names)
    if (checkName(n) !== null) throw new Error(`not a valid host name: ${JSON.stringify(n)}`);
  // Notifying only removes hosts: no spare files to make (docs/STATE.md).
  const store = opts.store ?? new FsStore({ dir: opts.stateDir, spareFiles: 0 });
  try {
    const snap = await store.load();
    const bootId = await readBootId(opts.bootIdFile ?? process.env.NSMD_BOOT_ID_FILE ?? BOOT_ID_PATH);
    const newBoot = snap.state === 0 || snap.bootId === null || snap.bootId !== bootId;
    const announced = newBoot || opts.force === true;
    let state = snap.state;
    let notify = snap.notify;
    if (announced) {
      if (opts.bump === false) {
        if (snap.monitors.length > 0) await store.moveMonitorsToNotify();
        await store.setState(state, bootId);
      } else {
        const sm = new StateManager(store, { bootId, log, smNotifyRan: async () => false });
        state = (await sm.startUp(snap, { forceReboot: true })).state;
      }
      notify = [...snap.notify, ...snap.monitors];
    }
    const peers = new Set(notify.map((r) => r.monName).filter((m) => checkName(m) === null));
    log.info(
      { state, peers: peers.size, announced, names },
      announced ? 'announcing reboot' : 'retrying pending peers',
    );
    if (peers.size === 0) return { state, announced, acknowledged: 0, failed: 0 };
    const transport = new UdpNotifyTransport({
      ...(opts.outgoingPort ? { outgoingPort: opts.outgoingPort } : {}),
      ...(opts.reservedPorts ? { reservedPorts: opts.reservedPorts() } : {}),
      privileged: process.getuid?.() === 0,
      ...(opts.rpcbindPort ? { rpcbindPort: opts.rpcbindPort } : {}),
    });
    const resolver = new Resolver(opts.lookup ? { lookup: opts.lookup } : {});
    const notifier = new Notifier({
      transport,
      resolve: (n) => resolver.resolve(n),
      acknowledged: (m) => store.removeNotify(m),
      maxMinutes: opts.maxMinutes ?? 15,
      log,
    });
    try {
      const r = await notifier.run(peers, names, state);
      log.info({ ...r, state }, 'done');
      return { ...r, state, announced };
    } finally {
      await transport.close();
    }
  } finally {
    await store.close();
  }
}
