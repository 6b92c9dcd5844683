// `nsmd demo lock-recovery`: the whole lock-recovery story on three network namespaces.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_TOOLS, type DemoHost, DemoNetwork, type HostProcess, missingTools } from './demo-hosts.js';

const NSMD = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Options of the demo. */
export interface DemoOptions {
  /** Grace period of the restarted lock manager, in seconds (default 10). */
  graceSeconds?: number;
  /** Keep the process logs (in a temp dir) even when every step held. */
  keepLogs?: boolean;
  /** Where the timeline goes (default stdout). */
  write?: (line: string) => void;
}

/** Why the demo could not run at all (not root, a tool missing). */
export class DemoUnavailable extends Error {}

interface Listing {
  inGrace: boolean;
  nsmState: number;
  locks: { state: string; caller: string; offset: string; length: string; file: string }[];
}

/**
 * Runs the story and returns true when every check held. Throws DemoUnavailable when it cannot
 * run here; everything it made is removed before it returns.
 */
export async function runLockRecoveryDemo(opts: DemoOptions = {}): Promise<boolean> {
  const write = opts.write ?? ((l: string) => process.stdout.write(`${l}\n`));
  const grace = opts.graceSeconds ?? 10;
  if (process.getuid?.() !== 0) {
    throw new DemoUnavailable(
      'the demo needs root: it creates network namespaces (ip netns) and runs daemons on port 111 ' +
        'inside them. Run it as root, e.g. `sudo nsmd demo lock-recovery`',
    );
  }
  const missing = await missingTools();
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => DEMO_TOOLS[t]))].join(' ');
    throw new DemoUnavailable(
      `missing ${missing.join(', ')}: install them (Debian/Ubuntu: apt-get install ${pkgs})`,
    );
  }

  const t0 = Date.now();
  let failures = 0;
  const line = (who: string, text: string) =>
    write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${who.padEnd(8)} ${text}`);
  const check = (who: string, ok: boolean, text: string) => {
    if (!ok) failures++;
    line(who, `${ok ? 'ok  ' : 'FAIL'} ${text}`);
    return ok;
  };

  const net = await DemoNetwork.create(['server', 'clienta', 'clientb']);
  // Interrupted: remove everything before going.
  const onSignal = (signal: NodeJS.Signals) => {
    line('cleanup', `${signal}: stopping and removing everything`);
    void net.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const [server, a, b] = [net.host('server'), net.host('clienta'), net.host('clientb')];
  const statd = new Map<string, HostProcess>();
  const boots = new Map<string, number>();
  const nsmd = (h: DemoHost, args: string[], label: string) =>
    net.spawn(h, process.execPath, [NSMD, ...args], label);

  /** Boots a host's status monitor: rpcbind once, then nsmd serve with a new boot id (a reboot). */
  const bootStatd = async (h: DemoHost): Promise<boolean> => {
    const boot = (boots.get(h.name) ?? 0) + 1;
    boots.set(h.name, boot);
    writeFileSync(join(h.dir, 'boot_id'), `00000000-0000-4000-8000-${String(boot).padStart(12, '0')}\n`);
    const args = ['serve', '--state-dir', join(h.dir, 'nsm'), '--name', h.name, '--rpcbind', 'system'];
    // nsmd serve reads the boot id from this file: a new one is a reboot (state number up, peers told).
    const p = net.spawn(
      h,
      process.execPath,
      [NSMD, ...args, '--user', 'root', '--log-format', 'json'],
      'serve',
      {
        NSMD_BOOT_ID_FILE: join(h.dir, 'boot_id'),
      },
    );
    statd.set(h.name, p);
    return waitRpc(h, 100024, 1, p);
  };
  const waitRpc = async (h: DemoHost, prog: number, vers: number, p?: HostProcess): Promise<boolean> => {
    const end = Date.now() + 15_000;
    while (Date.now() < end && (!p || p.running)) {
      const args = [NSMD, 'rpcinfo', '-u', '127.0.0.1', String(prog), String(vers)];
      const r = await net.run(h, process.execPath, args, 'rpcinfo', 5000);
      if (r.code === 0) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };
  const listing = async (): Promise<Listing | null> => {
    const r = await net.run(server, process.execPath, [NSMD, 'locks', 'server', '--json'], 'locks');
    try {
      return r.code === 0 ? (JSON.parse(r.stdout) as Listing) : null;
    } catch {
      return null;
    }
  };
  const describe = (l: Listing | null) =>
    l
      ? l.locks.map((x) => `${x.caller} ${x.state} ${x.offset}+${x.length}`).join(', ') || 'none'
      : 'no answer';

  try {
    line('setup', `three hosts: ${net.hosts.map((h) => `${h.name} ${h.address}`).join(', ')}`);
    await Promise.all(
      net.hosts.map(async (h) => {
        const rpcbind = nsmd(h, ['rpcbind'], 'rpcbind');
        if (!(await waitRpc(h, 100000, 2, rpcbind)))
          throw new Error(`nsmd rpcbind did not start on ${h.name}`);
        if (!(await bootStatd(h))) throw new Error(`nsmd serve did not start on ${h.name}`);
      }),
    );
    line('setup', 'rpcbind and nsmd serve (the status monitor) run on every host');
    // The first boot has nothing to reclaim: a one-second grace period.
    let lockd = nsmd(server, ['lockd', '--grace', '1', '--name', 'server', '--log-format', 'json'], 'lockd');
    if (!(await waitRpc(server, 100021, 4, lockd))) throw new Error('nsmd lockd did not start on server');
    await new Promise((r) => setTimeout(r, 1200));
    line('server', 'nsmd lockd serves NLM v4 (registered with rpcbind)');

    // 1. A locks; B's conflicting lock waits.
    const holder = (h: DemoHost, range: string, wait: boolean) =>
      nsmd(
        h,
        [
          'lock',
          'server',
          'data.db',
          '--range',
          range,
          '--hold',
          '--json',
          '--name',
          h.name,
          ...(wait ? ['--wait'] : []),
        ],
        'lock',
      );
    const holderA = holder(a, '0-99', false);
    check(
      'clienta',
      await holderA.waitEvent('holding', 15_000),
      'locks data.db [0-99] exclusive: GRANTED, and holds it',
    );
    const holderB = holder(b, '50-59', true);
    check(
      'clientb',
      await holderB.waitEvent('blocked', 15_000),
      'asks for data.db [50-59]: BLOCKED, waits for a GRANTED callback',
    );
    let l = await listing();
    check(
      'server',
      l?.locks.length === 2 && l.locks[0]?.caller === 'clienta' && l.locks[1]?.state === 'queued',
      `lock table: ${describe(l)}`,
    );
    const stateBefore = l?.nsmState ?? 0;

    // 2. The server crashes and restarts.
    line('server', 'CRASH: kill -9 nsmd serve and nsmd lockd');
    statd.get('server')!.kill('SIGKILL');
    lockd.kill('SIGKILL');
    await statd.get('server')!.exited;
    await lockd.exited;
    if (!(await bootStatd(server))) throw new Error('nsmd serve did not restart on server');
    line('server', 'reboot: nsmd serve starts (new boot: state number up, tells clienta and clientb)');
    lockd = nsmd(
      server,
      ['lockd', '--grace', String(grace), '--name', 'server', '--log-format', 'json'],
      'lockd',
    );
    // Its log says when it serves (rpcbind may still name the dead lock manager's port for a while).
    if (!(await lockd.waitOutput(/lock manager serving/, 15_000)))
      throw new Error('nsmd lockd did not restart on server');
    line('server', `nsmd lockd starts with an empty table: SM_SIMU_CRASH, grace period of ${grace} s`);
    check(
      'clienta',
      await holderA.waitEvent('reclaimed', 20_000),
      'told of the reboot: reclaims data.db [0-99] within grace: GRANTED',
    );
    check(
      'clientb',
      await holderB.waitEvent('grace', 20_000),
      'told of the reboot: asks again: DENIED_GRACE_PERIOD',
    );
    l = await listing();
    check('server', (l?.nsmState ?? 0) > stateBefore, `state number ${stateBefore} -> ${l?.nsmState ?? '?'}`);
    check(
      'server',
      !!l?.inGrace && l.locks.length === 1 && l.locks[0]?.caller === 'clienta',
      `in grace; lock table: ${describe(l)}`,
    );
    line('clientb', `keeps asking; after the grace period it waits behind clienta again`);
    check(
      'clientb',
      await holderB.waitEvent('blocked', (grace + 20) * 1000, 2),
      'after grace: BLOCKED again',
    );

    // 3. Client A crashes and restarts.
    line('clienta', 'CRASH: kill -9 nsmd lock and nsmd serve');
    holderA.kill('SIGKILL');
    statd.get('clienta')!.kill('SIGKILL');
    await holderA.exited;
    await statd.get('clienta')!.exited;
    if (!(await bootStatd(a))) throw new Error('nsmd serve did not restart on clienta');
    line('clienta', 'reboot: nsmd serve starts (state number up, tells the server)');
    check(
      'server',
      await holderB.waitEvent('granted', 30_000),
      "frees clienta's lock; clientb gets GRANTED (callback)",
    );
    l = await listing();
    check(
      'server',
      l?.locks.length === 1 && l.locks[0]?.caller === 'clientb' && l.locks[0].state === 'held',
      `lock table: ${describe(l)}`,
    );
  } catch (err) {
    failures++;
    line('error', (err as Error).message);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const ok = failures === 0;
    await net.close(!ok || opts.keepLogs);
    line(
      'cleanup',
      `namespaces and processes removed${!ok || opts.keepLogs ? `; logs kept in ${net.dir}` : ''}`,
    );
    write(ok ? 'every step held' : `${failures} step(s) failed`);
  }
  return failures === 0;
}
