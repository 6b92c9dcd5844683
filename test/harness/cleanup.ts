import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every namespace, temp dir and netns config dir the harness makes starts with this. */
export const PREFIX = 'nsmdt-';

/** What one network owns, so that it can be torn down even from an exit handler. */
export interface NetworkResources {
  id: string;
  namespaces: string[];
  /** Temp dir holding the hosts' run and state dirs. */
  dir: string;
  /** Pids of processes started in the network that may still run. */
  pids: Set<number>;
}

const live = new Map<string, NetworkResources>();
let netInstalled = false;

/** The temp dir of network `id`. */
export function networkDir(id: string): string {
  return join(tmpdir(), `${PREFIX}${id}`);
}

/** Tracks a network so the safety net can remove it if the process dies before close(). */
export function track(res: NetworkResources): void {
  installSafetyNet();
  live.set(res.id, res);
}

/** Stops tracking a network (after close() removed it). */
export function untrack(id: string): void {
  live.delete(id);
}

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
  } catch {
    return '';
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Pids of every process inside network namespace `ns`. */
export function namespacePids(ns: string): number[] {
  return quiet('ip', ['netns', 'pids', ns])
    .split('\n')
    .map((l) => Number.parseInt(l, 10))
    .filter((n) => n > 0);
}

/**
 * Removes a network at once: SIGKILL to its tracked pids and to anything else still running in its
 * namespaces (they are ours: we made them), then the namespaces, /etc/netns dirs and the temp dir.
 */
export function destroySync(res: NetworkResources): void {
  for (const pid of res.pids) killPid(pid);
  for (const ns of res.namespaces) for (const pid of namespacePids(ns)) killPid(pid);
  for (const ns of res.namespaces) {
    quiet('ip', ['netns', 'del', ns]);
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
  rmSync(res.dir, { recursive: true, force: true });
  live.delete(res.id);
}

function destroyAll(): void {
  for (const res of [...live.values()]) destroySync(res);
}

/** On exit or a fatal signal, remove every network that was not closed. Installed once. */
function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', destroyAll);
  for (const [sig, num] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(sig, () => {
      destroyAll();
      process.exit(128 + num);
    });
  }
}

function ownerAlive(id: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(networkDir(id), 'owner'), 'utf8'), 10);
  } catch {
    return false;
  }
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes networks left by harness runs that died without cleaning up (SIGKILL, power loss): those
 * whose owner process is gone. Networks of live runs are left alone. Returns the ids removed.
 */
export function cleanupStale(): string[] {
  const byId = new Map<string, string[]>();
  for (const line of quiet('ip', ['netns', 'list']).split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    const m = /^nsmdt-([0-9a-f]+)[-_]/.exec(ns);
    if (!m) continue;
    const list = byId.get(m[1]!) ?? [];
    list.push(ns);
    byId.set(m[1]!, list);
  }
  // Config and temp dirs whose namespaces are already gone.
  for (const base of ['/etc/netns', tmpdir()]) {
    for (const name of readdirSafe(base)) {
      const m = /^nsmdt-([0-9a-f]+)(?:$|[-_])/.exec(name);
      if (m && !byId.has(m[1]!)) byId.set(m[1]!, []);
    }
  }
  const removed: string[] = [];
  for (const [id, namespaces] of byId) {
    if (live.has(id) || ownerAlive(id)) continue;
    destroySync({ id, namespaces, dir: networkDir(id), pids: new Set() });
    for (const name of readdirSafe('/etc/netns')) {
      if (name.startsWith(`${PREFIX}${id}-`) || name.startsWith(`${PREFIX}${id}_`)) {
        rmSync(join('/etc/netns', name), { recursive: true, force: true });
      }
    }
    removed.push(id);
  }
  return removed;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
