import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SM_PROG, SM_VERS, SM_VERS_DEF } from '../proto/sm_inter.js';
import { createClient } from '../rpc/client.js';
import type { RpcLogger } from '../rpc/logger.js';
import { RpcServer } from '../rpc/server.js';
import { nativeUdpStatus } from '../rpc/udp-native.js';
import { getPort } from '../rpcbind/client.js';
import { registerService, type ServiceRegistration, systemRpcbindAnswers } from '../rpcbind/register.js';
import { FsStore, type FsStoreSyncChoice, MONITOR_DIR, NOTIFY_DIR } from '../store/fs.js';
import type { StoreLogger } from '../store/logger.js';
import type { Store, StoreSnapshot } from '../store/types.js';
import { Callbacks } from './callbacks.js';
import { haCalloutRunner } from './hacallout.js';
import { type Log, silentLog } from './log.js';
import { checkName } from './names.js';
import { Notifier } from './notifier.js';
import { Policy, type PolicyOptions } from './policy.js';
import { MonitorRegistry } from './registry.js';
import { type LookupAll, Resolver } from './resolver.js';
import { NsmService } from './service.js';
import { BOOT_ID_PATH, readBootId, StateManager } from './state.js';
import { LoopbackCallbackSender, UdpNotifyTransport } from './transport.js';

/** Debian's state directory (others use /var/lib/nfs/statd). */
export const DEFAULT_STATE_DIR = '/var/lib/nfs';

/** Errors of the daemon's start-up, with stable codes. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly code: 'ERR_NSM_START' | 'ERR_NSM_USER',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * How the daemon picks its ports. `nsmd serve` passes the registry-aware policy of src/ports
 * (776 when it may bind it; reserved source ports that no live service is assigned).
 */
export interface PortPolicy {
  /** The listen port when none is given, and why (for the log). */
  listenPort(): Promise<{ port: number; reason: string }>;
  /** Reserved source ports to try, in order, for callbacks and notifications. */
  reservedPorts(): Promise<number[]>;
}

/** Without a policy: an ephemeral listen port and the RPC client's own reserved-port order. */
const plainPorts: PortPolicy = {
  listenPort: async () => ({ port: 0, reason: 'an ephemeral port' }),
  reservedPorts: async () => [],
};

/** Everything `nsmd serve` can be told. */
export interface DaemonOptions {
  /** Port choice (default: ephemeral listen port, default reserved ports). */
  ports?: PortPolicy;
  /** Listen port for UDP and TCP; undefined: 776 when it can be bound, else ephemeral. */
  port?: number;
  /** Listen address (default '::', dual-stack). */
  host?: string;
  /** Source port of outgoing SM_NOTIFYs. */
  outgoingPort?: number;
  stateDir?: string;
  /** How the fs store syncs a batch's host files (FsStoreOptions.sync; default: NSMD_STORE_SYNC, else 'auto'). */
  storeSync?: FsStoreSyncChoice;
  /** Names announced in SM_NOTIFY (default: the host name). */
  names?: string[];
  rpcbind?: 'system' | 'embedded' | 'none' | 'auto';
  /** rpcbind's port (tests only). */
  rpcbindPort?: number;
  /** Send notifications after a reboot (false: --no-notify). */
  notify?: boolean;
  /** Give up notifying a peer after this many minutes (0 = never). */
  maxMinutes?: number;
  haCallout?: string;
  /**
   * User to run as once the ports are bound: a name or uid; undefined: the owner of the state
   * directory (as nfs-utils does); null: stay as started.
   */
  user?: string | number | null;
  /** File holding the boot id (default /proc/sys/kernel/random/boot_id; tests fake reboots). */
  bootIdFile?: string;
  policy?: Omit<PolicyOptions, 'clock' | 'log'>;
  /** Callback retry tuning (tests). */
  callbackTries?: number;
  callbackIntervalMs?: number;
  /** Name resolution (tests). */
  lookup?: LookupAll;
  /** Store to use instead of the state directory (tests). */
  store?: Store;
  log?: Log;
}

/** A running statd: sockets bound, registered, serving. */
export class NsmDaemon {
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly service: NsmService,
    readonly port: number,
    readonly tcpPort: number,
    readonly registration: ServiceRegistration,
    readonly state: StateManager,
    readonly registry: MonitorRegistry,
    private readonly server: RpcServer,
    private readonly store: Store,
    private readonly notifier: Notifier,
    private readonly callbacks: Callbacks,
    private readonly transports: { notify: UdpNotifyTransport; callback: LoopbackCallbackSender },
    private readonly ha: { idle(): Promise<void> } | null,
    private readonly log: Log,
  ) {}

  /**
   * Starts the statd: loads the store, decides whether this is a new boot (bump the state, move the
   * monitor list to the notify list), binds UDP and TCP, registers with rpcbind, drops root, then
   * notifies peers in the background.
   */
  static async start(opts: DaemonOptions = {}): Promise<NsmDaemon> {
    const log = opts.log ?? silentLog;
    const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
    const names = opts.names?.length ? opts.names : [hostname()];
    for (const n of names) {
      if (checkName(n) !== null)
        throw new DaemonError('ERR_NSM_START', `--name ${JSON.stringify(n)} is not a valid host name`);
    }
    // Before anything touches the state directory: beside a statd already serving this host
    // (rpc.statd from the distribution's service, or another nsmd serve), both would write the same
    // directory and the second would take the first one's rpcbind registration.
    let rpcbindMode = opts.rpcbind ?? 'auto';
    if (rpcbindMode === 'auto')
      rpcbindMode = (await systemRpcbindAnswers(opts.rpcbindPort)) ? 'system' : 'embedded';
    if (rpcbindMode === 'system') {
      const other = await runningStatdPort(opts.rpcbindPort);
      if (other !== null) {
        throw new DaemonError(
          'ERR_NSM_START',
          `a status monitor is already running here: rpcbind lists program 100024 at port ${other} and ` +
            'it answers (rpc.statd, or another nsmd serve); stop it first (systemctl stop rpc-statd)',
        );
      }
    }
    const privileged = process.getuid?.() === 0;
    // The IANA registry behind the reserved-port choice takes a moment to load: start it now.
    const ports = opts.ports ?? plainPorts;
    const reservedPorts = privileged ? ports.reservedPorts().catch(() => [] as number[]) : undefined;
    const storeLog: StoreLogger = {
      warn: (m, ...d) => log.warn(d.length ? { details: d } : {}, m),
      debug: (m, ...d) => log.debug(d.length ? { details: d } : {}, m),
    };
    const fsStore = opts.store
      ? null
      : new FsStore({
          dir: stateDir,
          logger: storeLog,
          ...(opts.storeSync ? { sync: opts.storeSync } : {}),
        });
    const store: Store = opts.store ?? fsStore!;
    // A state directory is read into the store's compact index only; its records then go to the
    // registry one at a time (never all held as objects at once: the heap would keep their peak).
    const snap: StoreSnapshot | null = fsStore ? null : await store.load();
    const sum = fsStore ? await fsStore.loadIndex() : null;
    const bootId = await readBootId(opts.bootIdFile ?? process.env.NSMD_BOOT_ID_FILE ?? BOOT_ID_PATH);
    const state = new StateManager(store, { bootId, log });
    const up = await state.startUp(
      snap ?? { state: sum!.state, bootId: sum!.bootId, monitors: { length: sum!.monitorFiles } },
    );

    const policy = new Policy({ ...opts.policy, log });
    const resolver = new Resolver(opts.lookup ? { lookup: opts.lookup } : {});
    const registry = new MonitorRegistry();
    const notifyTransport = new UdpNotifyTransport({
      ...(opts.outgoingPort ? { outgoingPort: opts.outgoingPort } : {}),
      privileged,
      ...(reservedPorts ? { reservedPorts } : {}),
      ...(opts.rpcbindPort ? { rpcbindPort: opts.rpcbindPort } : {}),
    });
    const callbackSender = new LoopbackCallbackSender({
      privileged,
      ...(reservedPorts ? { reservedPorts } : {}),
      ...(opts.rpcbindPort ? { rpcbindPort: opts.rpcbindPort } : {}),
    });
    const callbacks = new Callbacks({
      send: callbackSender.send,
      log,
      maxPending: policy.maxPendingCallbacks,
      ...(opts.callbackTries ? { tries: opts.callbackTries } : {}),
      ...(opts.callbackIntervalMs ? { intervalMs: opts.callbackIntervalMs } : {}),
    });
    let service!: NsmService;
    const notifier = new Notifier({
      transport: notifyTransport,
      resolve: (n) => resolver.resolve(n),
      acknowledged: (m) => service.acknowledged(m),
      maxMinutes: opts.maxMinutes ?? 15,
      log,
    });
    const ha = opts.haCallout ? haCalloutRunner({ program: opts.haCallout, log }) : null;
    service = new NsmService({
      store,
      registry,
      resolver,
      policy,
      state,
      callbacks,
      notifier,
      names,
      notify: opts.notify ?? true,
      ...(ha ? { haCallout: ha } : {}),
      log,
    });
    // After a reboot the monitor list already went to the notify list on disk (and in the index).
    if (fsStore) service.loadMonitors(fsStore.records(MONITOR_DIR), fsStore.records(NOTIFY_DIR));
    else if (up.rebooted) service.loadMonitors([], [...snap!.notify, ...snap!.monitors]);
    else service.loadMonitors(snap!.monitors, snap!.notify);

    const rpcLog: RpcLogger = {
      warn: (m, ...d) => log.warn(d.length ? { details: d.map(String) } : {}, m),
      error: (m, ...d) => log.error(d.length ? { details: d.map(String) } : {}, m),
      debug: (m, ...d) => log.debug(d.length ? { details: d.map(String) } : {}, m),
    };
    const server = new RpcServer({ logger: rpcLog });
    server.addProgram(SM_VERS_DEF, service.handlers);
    let port: number;
    let tcpPort: number;
    try {
      let wanted = opts.port;
      if (wanted === undefined) {
        const choice = await ports.listenPort();
        wanted = choice.port;
        log.info({ port: choice.port }, `listen port: ${choice.reason}`);
      }
      ({ port, tcpPort } = await listenBoth(server, opts.host ?? '::', wanted));
    } catch (err) {
      await store.close().catch(() => {});
      throw new DaemonError('ERR_NSM_START', `cannot listen: ${(err as Error).message}`, { cause: err });
    }

    let registration: ServiceRegistration;
    try {
      registration = await registerService({
        prog: SM_PROG,
        vers: [SM_VERS],
        udpPort: port,
        tcpPort,
        mode: rpcbindMode,
        ...(opts.rpcbindPort ? { rpcbindPort: opts.rpcbindPort } : {}),
        logger: rpcLog,
      });
    } catch (err) {
      await server.close();
      await store.close().catch(() => {});
      throw new DaemonError('ERR_NSM_START', (err as Error).message, { cause: err });
    }

    // Bind the outgoing sockets (reserved ports) while still root.
    await Promise.all([notifyTransport.warmUp(port), callbackSender.warmUp(port)]);
    try {
      await dropPrivileges(opts.user === undefined ? await stateDirOwner(stateDir) : opts.user, log);
      if (!opts.store) {
        for (const sub of ['sm', 'sm.bak']) {
          if (!(await writable(`${stateDir}/${sub}`))) {
            throw new DaemonError(
              'ERR_NSM_USER',
              `${stateDir}/${sub} is not writable by the user nsmd runs as (see --user)`,
            );
          }
        }
        if (!(await writable(stateDir))) {
          // Debian's /var/lib/nfs is root's while sm/, sm.bak/ and state are statd's.
          log.warn(
            { stateDir },
            'state directory not writable after dropping root: SM_SIMU_CRASH cannot persist a new state',
          );
        }
      }
    } catch (err) {
      await registration.unregister();
      await server.close();
      await store.close().catch(() => {});
      await Promise.all([notifyTransport.close(), callbackSender.close()]);
      throw err;
    }

    const d = new NsmDaemon(
      service,
      port,
      tcpPort,
      registration,
      state,
      registry,
      server,
      store,
      notifier,
      callbacks,
      { notify: notifyTransport, callback: callbackSender },
      ha,
      log,
    );
    log.info(
      {
        port,
        tcpPort,
        // 'native' (batched recvmmsg/sendmmsg) or 'dgram', with the reason the addon is not used.
        udp: server.udpListeners()[0]?.transport,
        ...(nativeUdpStatus().available ? {} : { udpNative: nativeUdpStatus().reason }),
        rpcbind: registration.mode,
        state: state.current,
        rebooted: up.rebooted,
        monitors: registry.size,
        notify: service.notifyList.size,
        names,
        stateDir: opts.store ? undefined : stateDir,
        // How host files are written ('native' addon or 'node') and synced ('auto', 'file', 'fs').
        ...(fsStore ? { storeIo: fsStore.io, storeSync: fsStore.sync } : {}),
      },
      'serving',
    );
    if (opts.notify !== false && service.notifyList.size > 0) void d.notifyAgain();
    return d;
  }

  /** Sends SM_NOTIFY to every peer still in the notify list (start-up, SIGUSR1). */
  notifyAgain(): Promise<void> {
    return this.service.notifyPeers().then(
      (r) => {
        if (r.acknowledged || r.failed) this.log.info({ ...r }, 'notification round done');
      },
      (err) => this.log.error({ err: String(err) }, 'notification round failed'),
    );
  }

  /** Stops accepting calls, lets running syncs finish, unregisters from rpcbind. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.server.close();
      this.notifier.close();
      this.callbacks.close();
      // Syncs in progress finish before the store closes; only then is the service withdrawn.
      await this.store.close();
      await this.registration.unregister();
      if (this.ha) await Promise.race([this.ha.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await Promise.all([this.transports.notify.close(), this.transports.callback.close()]);
      // The store's work counters (group commits, calls, syncs, spares) for the life of the process.
      const storeStats = this.store instanceof FsStore ? { store: this.store.stats() } : {};
      this.log.info({ state: this.state.current, ...storeStats }, 'stopped');
    })();
    return this.stopping;
  }
}

/** Binds UDP and TCP on the same port (an ephemeral one when 0, retried if TCP finds it taken). */
async function listenBoth(
  server: RpcServer,
  host: string,
  port: number,
): Promise<{ port: number; tcpPort: number }> {
  const udp = await listenWithFallback((h) => server.listenUdp({ host: h, port }), host);
  const tcp = await listenWithFallback((h) => server.listenTcp({ host: h, port: udp.port }), udp.host).catch(
    async (err: NodeJS.ErrnoException) => {
      if (port !== 0 || err.code !== 'EADDRINUSE') throw err;
      return listenWithFallback((h) => server.listenTcp({ host: h, port: 0 }), udp.host);
    },
  );
  return { port: udp.port, tcpPort: tcp.port };
}

async function listenWithFallback(
  listen: (host: string) => Promise<number>,
  host: string,
): Promise<{ port: number; host: string }> {
  try {
    return { port: await listen(host), host };
  } catch (err) {
    // A machine without IPv6 cannot bind '::'; serve IPv4 alone there.
    if (host !== '::' || (err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw err;
    return { port: await listen('0.0.0.0'), host: '0.0.0.0' };
  }
}

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function stateDirOwner(dir: string): Promise<number | null> {
  try {
    // nfs-utils switches to the owner of sm/ (user statd on Debian).
    return (await stat(`${dir}/sm`)).uid;
  } catch {
    try {
      return (await stat(dir)).uid;
    } catch {
      return null;
    }
  }
}

/** Switches to `user` (name or uid) when running as root; a no-op otherwise or for root itself. */
export async function dropPrivileges(user: string | number | null, log: Log = silentLog): Promise<void> {
  if (user === null || process.getuid?.() !== 0) return;
  let uid: number;
  let gid: number;
  let name: string;
  if (typeof user === 'number' || /^\d+$/.test(user)) {
    uid = Number(user);
    const pw = await lookupPasswd((e) => e.uid === uid);
    gid = pw?.gid ?? uid;
    name = pw?.name ?? String(uid);
  } else {
    const pw = await lookupPasswd((e) => e.name === user);
    if (!pw) throw new DaemonError('ERR_NSM_USER', `no such user: ${user}`);
    ({ uid, gid, name } = pw);
  }
  if (uid === 0) return;
  try {
    process.setgroups?.([gid]);
    process.setgid?.(gid);
    process.setuid?.(uid);
  } catch (err) {
    throw new DaemonError('ERR_NSM_USER', `cannot switch to user ${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  log.info({ user: name, uid, gid }, 'dropped root');
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

async function lookupPasswd(match: (e: PasswdEntry) => boolean): Promise<PasswdEntry | undefined> {
  const { readFile } = await import('node:fs/promises');
  let text = '';
  try {
    text = await readFile('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    const e = { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
    if (match(e)) return e;
  }
  return undefined;
}

/**
 * The TCP port of a status monitor registered with the system rpcbind that answers NULL there, or
 * null. A registration left by a statd that was killed points at a closed port: the connection is
 * refused at once and it does not count.
 */
async function runningStatdPort(rpcbindPort: number | undefined): Promise<number | null> {
  let port: number;
  try {
    port = await getPort('127.0.0.1', SM_PROG, SM_VERS, 'tcp', {
      timeoutMs: 1000,
      ...(rpcbindPort ? { rpcbindPort } : {}),
    });
  } catch {
    return null;
  }
  if (port === 0) return null;
  const client = createClient({ host: '127.0.0.1', port, transport: 'tcp', timeoutMs: 1000 });
  try {
    await client.bind(SM_VERS_DEF).SM_NULL();
    return port;
  } catch {
    return null;
  } finally {
    await client.close();
  }
}
