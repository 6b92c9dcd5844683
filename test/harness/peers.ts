import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, SpawnOptions } from './netns.js';
import { type ExecResult, HarnessError, type TrackedProcess } from './process.js';
import { lookupUser } from './users.js';

/**
 * The host files of a state directory's sm/ (or another list directory), sorted: every name that a
 * reader (nsmd, rpc.statd) takes for a host, i.e. all but names starting with '.' (temp files,
 * nsmd's spare files' directory).
 */
export function hostFiles(dir: string, list = 'sm'): string[] {
  return readdirSync(join(dir, list))
    .filter((n) => !n.startsWith('.'))
    .sort();
}

/**
 * Makes an nfs-utils state directory (DIR/sm, DIR/sm.bak) owned by `owner` (default `statd`, the
 * user Debian's rpc.statd and sm-notify switch to: they take the owner of DIR/sm).
 */
export function makeStateDir(dir: string, owner = 'statd'): string {
  const ids = lookupUser(owner);
  if (!ids)
    throw new HarnessError('ERR_HARNESS_MISSING', `user ${owner} does not exist (install nfs-common)`);
  for (const d of [dir, join(dir, 'sm'), join(dir, 'sm.bak')]) {
    mkdirSync(d, { recursive: true, mode: 0o755 });
    chownSync(d, ids.uid, ids.gid);
  }
  return dir;
}

/** Runs Debian's rpcinfo in `host`. */
export function rpcinfo(host: Host, args: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
  return host.exec('rpcinfo', args, { timeoutMs });
}

/**
 * Starts Debian's rpcbind in `host`: foreground, cold start (no -w: warm-start files would bring
 * another run's registrations). Resolves once portmap v2 answers on 127.0.0.1:111.
 */
export async function startRpcbind(host: Host, opts: SpawnOptions = {}): Promise<TrackedProcess> {
  const p = host.spawn('rpcbind', ['-f'], { label: `${host.name}: rpcbind`, ...opts });
  try {
    await Promise.race([
      host.waitForRpc(100000, 2, 'udp'),
      p.exited.then(() => {
        throw new HarnessError(
          'ERR_HARNESS_EXITED',
          `${host.name}: rpcbind exited (${p.describeExit()}): ${p.output}`,
        );
      }),
    ]);
  } catch (e) {
    await p.stop(1000);
    throw e;
  }
  return p;
}

/** Options of {@link startStatd}. */
export interface StatdOptions extends SpawnOptions {
  /** State dir (made and chowned to statd if missing; default HOST_DIR/statd). */
  stateDir?: string;
  /** Port for NSM requests (-p); default 32765. */
  port?: number;
  /** Source port of outgoing notifications (-o); default 32766. */
  outgoingPort?: number;
  /** Our name in notifications (-n). */
  name?: string;
  /** Log every request on stderr (-d, default true; benchmarks turn it off). */
  verbose?: boolean;
  /** High-availability callout (-H). */
  haCallout?: string;
  /** Wait this long for it to answer (default 10 s). */
  timeoutMs?: number;
}

/** A running Debian rpc.statd. */
export interface StatdPeer {
  process: TrackedProcess;
  stateDir: string;
  port: number;
  outgoingPort: number;
  /** SIGTERM (rpc.statd unregisters), then SIGKILL if it hangs. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's rpc.statd in `host` (rpcbind must run there: statd registers with it), in the
 * foreground with no notification at start (-L: sm-notify runs once per boot; use runSmNotify).
 * Resolves once `status` v1 answers over UDP and TCP.
 */
export async function startStatd(host: Host, opts: StatdOptions = {}): Promise<StatdPeer> {
  const stateDir = opts.stateDir ?? join(host.dir, 'statd');
  if (!existsSync(join(stateDir, 'sm')) || !existsSync(join(stateDir, 'sm.bak'))) makeStateDir(stateDir);
  const port = opts.port ?? 32765;
  const outgoingPort = opts.outgoingPort ?? 32766;
  const args = ['-F', '-L', '-p', String(port), '-o', String(outgoingPort), '-P', stateDir];
  if (opts.verbose ?? true) args.push('-d');
  if (opts.name) args.push('-n', opts.name);
  if (opts.haCallout) args.push('-H', opts.haCallout);
  const p = host.spawn('rpc.statd', args, { label: `${host.name}: rpc.statd`, ...opts });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    await Promise.race([
      (async () => {
        await host.waitForRpc(100024, 1, 'udp', { timeoutMs });
        await host.waitForRpc(100024, 1, 'tcp', { timeoutMs });
      })(),
      p.exited.then(() => {
        throw new HarnessError(
          'ERR_HARNESS_EXITED',
          `${host.name}: rpc.statd exited (${p.describeExit()}): ${p.output}`,
        );
      }),
    ]);
  } catch (e) {
    await p.stop(1000);
    throw e;
  }
  return {
    process: p,
    stateDir,
    port,
    outgoingPort,
    stop: async () => {
      await p.stop(3000);
    },
  };
}

/** Options of {@link runSmNotify}. */
export interface SmNotifyOptions {
  stateDir: string;
  /** -f: notify even if it already ran since boot (default true; the guard is per host here). */
  force?: boolean;
  /**
   * -v: our name in SM_NOTIFY. sm-notify also binds to the address this name resolves to (IPv6
   * first for a dual-stack host, which then cannot reach IPv4-only peers).
   */
  name?: string;
  /** -m: give up on a peer after this many minutes (0 = never). */
  maxMinutes?: number;
  /** -p: source port. */
  sourcePort?: number;
  /** -n: do not bump the state number. */
  noUpdate?: boolean;
  /** Kill it after this long (default 60 s). */
  timeoutMs?: number;
  logFile?: string;
}

/**
 * Runs Debian's sm-notify in `host` in the foreground with logging on stderr (-d) until it has
 * notified every peer in STATE_DIR/sm (or given up), and returns its output.
 */
export function runSmNotify(host: Host, opts: SmNotifyOptions): Promise<ExecResult> {
  const args = ['-d', '-P', opts.stateDir];
  if (opts.force ?? true) args.push('-f');
  if (opts.name) args.push('-v', opts.name);
  if (opts.maxMinutes !== undefined) args.push('-m', String(opts.maxMinutes));
  if (opts.sourcePort !== undefined) args.push('-p', String(opts.sourcePort));
  if (opts.noUpdate) args.push('-n');
  return host.exec('sm-notify', args, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    label: `${host.name}: sm-notify`,
    ...(opts.logFile ? { logFile: opts.logFile } : {}),
  });
}
