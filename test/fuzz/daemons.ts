import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NLM4_VERS_DEF, PMAPVERS_DEF, SM_VERS_DEF } from '../../src/proto/index.js';
import { nsmdArgv } from '../harness/netns.js';
import type { FuzzTarget } from './fuzzer.js';
import { probe } from './fuzzer.js';
import { type FuzzProgram, seedsFor } from './seeds.js';

/** A free TCP port on loopback that is (very likely) free for UDP too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (port > 1024) return port;
  }
}

/** Daemons of ours running on loopback, for fuzzing and attack tests. */
export interface LiveDaemons {
  targets: Record<FuzzProgram, FuzzTarget>;
  stateDir: string;
  /** The daemons' recent output (logs), stdout and stderr together. */
  stderr: () => string;
  stop(): Promise<void>;
}

async function waitReady(t: FuzzTarget, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${t.name} exited with ${child.exitCode}: ${log()}`);
    if (await probe(t, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${t.name} did not answer NULL within 15 s: ${log()}`);
}

/**
 * Starts the embedded rpcbind, `nsmd serve` and (when `lockd` is true) `nsmd lockd` on loopback
 * ports, each as its own process, with a fresh state directory.
 */
export async function startDaemons(
  opts: { lockd?: boolean; stateDir?: string; serveArgs?: string[] } = {},
): Promise<LiveDaemons> {
  const ownDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'nsmd-fuzz-')));
  const children: ChildProcess[] = [];
  let errText = '';
  const run = (args: string[]) => {
    const child = spawn(process.execPath, nsmdArgv(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        errText = (errText + d).slice(-200_000);
      });
    }
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    }
    if (ownDir) await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const rpcbindPort = await freePort();
    const rpcbindTarget: FuzzTarget = {
      name: 'rpcbind',
      host: '127.0.0.1',
      port: rpcbindPort,
      def: PMAPVERS_DEF,
      seeds: seedsFor('rpcbind'),
    };
    const rb = run(['rpcbind', '--port', String(rpcbindPort), '--host', '127.0.0.1']);
    await waitReady(rpcbindTarget, rb, () => errText);

    const nsmPort = await freePort();
    const nsmTarget: FuzzTarget = {
      name: 'nsm',
      host: '127.0.0.1',
      port: nsmPort,
      def: SM_VERS_DEF,
      seeds: seedsFor('nsm'),
    };
    const nsm = run([
      'serve',
      '--port',
      String(nsmPort),
      '--state-dir',
      stateDir,
      '--rpcbind',
      'none',
      '--no-notify',
      '--user',
      'root',
      '--log-format',
      'json',
      ...(opts.serveArgs ?? []),
    ]);
    await waitReady(nsmTarget, nsm, () => errText);

    const targets = { rpcbind: rpcbindTarget, nsm: nsmTarget } as Record<FuzzProgram, FuzzTarget>;
    if (opts.lockd) {
      const nlmPort = await freePort();
      const nlmTarget: FuzzTarget = {
        name: 'nlm',
        host: '127.0.0.1',
        port: nlmPort,
        def: NLM4_VERS_DEF,
        seeds: seedsFor('nlm'),
      };
      const lockd = run([
        'lockd',
        '--port',
        String(nlmPort),
        '--rpcbind',
        'none',
        '--grace',
        '0',
        '--no-statd',
      ]);
      await waitReady(nlmTarget, lockd, () => errText);
      targets.nlm = nlmTarget;
    }
    return { targets, stateDir, stderr: () => errText, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
