// Starts the pieces of the lock-recovery story on test hosts: rpcbind, a status monitor (nsmd serve
// or Debian's rpc.statd), nsmd lockd, and `nsmd lock --hold` clients whose JSON events we read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Host, startRpcbind, startStatd, type TrackedProcess } from '../../harness/index.js';

/** A host's boot: its own boot id file, changed to fake a reboot for nsmd serve. */
export function bootIdFile(host: Host): string {
  return join(host.dir, 'boot_id');
}

/** Gives `host` a new boot id: the next nsmd serve started there sees a reboot. */
export function newBoot(host: Host, n: number): void {
  writeFileSync(bootIdFile(host), `00000000-0000-4000-8000-${String(n).padStart(12, '0')}\n`);
}

/** Starts `nsmd serve` in `host` (state dir HOST_DIR/nsm) and waits until it answers. */
export async function startNsmd(host: Host): Promise<TrackedProcess> {
  const dir = join(host.dir, 'nsm');
  mkdirSync(dir, { recursive: true });
  const p = host.spawnNsmd(
    [
      'serve',
      '--state-dir',
      dir,
      '--name',
      host.name,
      '--rpcbind',
      'system',
      '--user',
      'root',
      '--log-format',
      'json',
    ],
    { env: { NSMD_BOOT_ID_FILE: bootIdFile(host), NSMD_LOG_LEVEL: 'debug' } },
  );
  await Promise.race([host.waitForRpc(100024, 1, 'udp', { timeoutMs: 15_000 }), failOnExit(p)]);
  return p;
}

/** Starts Debian's rpc.statd in `host` under the host's name. */
export async function startDebianStatd(host: Host): Promise<TrackedProcess> {
  return (await startStatd(host, { name: host.name })).process;
}

/** Starts `nsmd lockd` in `host` and waits until NLM v4 answers. */
export async function startLockd(
  host: Host,
  graceSeconds: number,
  extra: string[] = [],
): Promise<TrackedProcess> {
  const p = host.spawnNsmd(
    ['lockd', '--grace', String(graceSeconds), '--name', host.name, '--log-format', 'json', ...extra],
    {
      env: { NSMD_LOG_LEVEL: 'debug' },
    },
  );
  await Promise.race([host.waitForRpc(100021, 4, 'udp', { timeoutMs: 15_000 }), failOnExit(p)]);
  return p;
}

/** Starts `nsmd lock SERVER FILE --hold --json ...` in `host`. */
export function startHolder(host: Host, server: string, file: string, args: string[]): TrackedProcess {
  return host.spawnNsmd(['lock', server, file, '--hold', '--json', '--name', host.name, ...args]);
}

/** Starts rpcbind and a status monitor on every host given. */
export async function baseStack(
  hosts: Host[],
  statd: (h: Host) => Promise<TrackedProcess>,
): Promise<Map<string, TrackedProcess>> {
  const out = new Map<string, TrackedProcess>();
  await Promise.all(
    hosts.map(async (h) => {
      newBoot(h, 1);
      await startRpcbind(h);
      out.set(h.name, await statd(h));
    }),
  );
  return out;
}

/** The JSON events a holder printed so far. */
export function events(p: TrackedProcess): { event: string; [k: string]: unknown }[] {
  return p.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string });
}

/** Waits for the n-th (1-based) event named `name` in a holder's output. */
export async function waitEvent(p: TrackedProcess, name: string, timeoutMs = 20_000, n = 1): Promise<void> {
  const re = new RegExp(`(?:"event":"${name}"[\\s\\S]*){${n}}`);
  await p.waitForOutput(re, { timeoutMs, stream: 'stdout' });
}

/** `nsmd locks SERVER --json` run in `host`. */
export async function listLocks(
  host: Host,
  server: string,
): Promise<{
  inGrace: boolean;
  nsmState: number;
  locks: { state: string; caller: string; file: string; offset: string; length: string }[];
}> {
  const r = await host.execNsmd(['locks', server, '--json'], { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`nsmd locks failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function failOnExit(p: TrackedProcess): Promise<never> {
  return p.exited.then(() => {
    throw new Error(`${p.label} exited (${p.describeExit()}): ${p.output}`);
  });
}
