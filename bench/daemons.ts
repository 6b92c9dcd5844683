// Starting the two statds under test the same way: same host setup (Debian rpcbind running), same
// ports, same kind of state directory, no notification at start.
import { readFileSync } from 'node:fs';
import { HarnessError, type Host, startStatd, type TrackedProcess } from '../test/harness/index.js';

/** Which statd. */
export type DaemonKind = 'nsmd' | 'statd';

/** Display names used in results and pictures. */
export const DAEMON_LABEL: Record<DaemonKind, string> = { nsmd: 'nsmd', statd: 'Debian rpc.statd' };

/** The port both listen on (UDP and TCP) and their source port for notifications. */
export const NSM_PORT = 4000;
export const OUTGOING_PORT = 4001;

/** A statd under test. */
export interface RunningDaemon {
  kind: DaemonKind;
  pid: number;
  process: TrackedProcess;
  /** From spawn until a NULL call answered over UDP and TCP (polled every 100 ms with rpcinfo). */
  startupMs: number;
  stop(): Promise<void>;
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts `kind` on `host` with STATE_DIR and waits until it answers (at most `boundMs`). Debian's
 * rpc.statd runs in the foreground without per-request logging; nsmd serve logs JSON at its
 * default level. Both use the host's rpcbind.
 */
export async function startDaemon(
  kind: DaemonKind,
  host: Host,
  stateDir: string,
  boundMs: number,
): Promise<RunningDaemon> {
  const t0 = performance.now();
  if (kind === 'statd') {
    const peer = await startStatd(host, {
      stateDir,
      port: NSM_PORT,
      outgoingPort: OUTGOING_PORT,
      verbose: false,
      timeoutMs: boundMs,
    });
    const startupMs = performance.now() - t0;
    return { kind, pid: peer.process.pid, process: peer.process, startupMs, stop: peer.stop };
  }
  const p = host.spawnNsmd([
    'serve',
    '--port',
    String(NSM_PORT),
    '--outgoing-port',
    String(OUTGOING_PORT),
    '--state-dir',
    stateDir,
    '--rpcbind',
    'system',
    '--no-notify',
    '--log-format',
    'json',
  ]);
  try {
    await Promise.race([
      (async () => {
        await host.waitForRpc(100024, 1, 'udp', { timeoutMs: boundMs });
        await host.waitForRpc(100024, 1, 'tcp', { timeoutMs: boundMs });
      })(),
      p.exited.then(() => {
        throw new HarnessError('ERR_HARNESS_EXITED', `nsmd serve exited (${p.describeExit()}): ${p.output}`);
      }),
    ]);
  } catch (e) {
    await p.stop(1000);
    throw e;
  }
  const startupMs = performance.now() - t0;
  return {
    kind,
    pid: p.pid,
    process: p,
    startupMs,
    stop: async () => {
      await p.stop(5000);
    },
  };
}
