/**
 * NULL-call throughput of nsmd's RpcServer over UDP and TCP on loopback.
 * The server runs in a child process (as a real daemon would), the load generator here.
 * Prints one JSON object.
 *
 *   node dist/bench/null.js [--duration 5000] [--warmup 1000] [--window 64] [--threads 1] [--host 127.0.0.1]
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RpcServer } from '../src/rpc/server.js';
import { xdrVoid } from '../src/xdr/codec.js';
import type { ProgramDef } from '../src/xdr/program.js';
import { runLoad } from './loadgen.js';

/** A program shaped like NSM's NULL procedure (RFC 5531 §12: procedure 0 takes and returns void). */
const BENCH_DEF = {
  name: 'BENCH',
  prog: 100024,
  vers: 1,
  procs: { NULL: { name: 'NULL', proc: 0, args: xdrVoid, res: xdrVoid } },
} as const satisfies ProgramDef;

async function serve(host: string): Promise<void> {
  const server = new RpcServer();
  server.addProgram(BENCH_DEF, { NULL: () => undefined });
  const udp = await server.listenUdp({ host });
  const tcp = await server.listenTcp({ host });
  process.send?.({ udp, tcp });
  process.on('message', (m) => {
    if (m === 'stats') process.send?.({ stats: server.stats });
  });
  process.on('disconnect', () => {
    server.close().finally(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      duration: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '1000' },
      window: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
    },
    strict: true,
  });
  if (values.serve) {
    await serve(values.host);
    return;
  }
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--host', values.host], {
    stdio: 'inherit',
  });
  try {
    const ports = await new Promise<{ udp: number; tcp: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { udp: number; tcp: number }));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const common = {
      host: values.host,
      prog: BENCH_DEF.prog,
      vers: BENCH_DEF.vers,
      proc: 0,
      window: Number(values.window),
      durationMs: Number(values.duration),
      warmupMs: Number(values.warmup),
      threads: Number(values.threads),
    };
    const udp = await runLoad({ ...common, port: ports.udp, transport: 'udp' });
    const tcp = await runLoad({ ...common, port: ports.tcp, transport: 'tcp' });
    const stats = await new Promise((resolve) => {
      child.once('message', (m) => resolve((m as { stats: unknown }).stats));
      child.send('stats');
    });
    const report = {
      benchmark: 'rpc-null',
      server: 'nsmd RpcServer',
      node: process.version,
      cpus: cpus().length,
      date: new Date().toISOString(),
      udp,
      tcp,
      serverStats: stats,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    child.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`bench/null: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
