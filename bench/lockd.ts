/**
 * A stand-in lock manager for the SM_NOTIFY storm: answers NLM v4 (program 100021) NULL and
 * NLMPROC4_NSM_NOTIFY, the callback a statd makes when a monitored host reboots (XNFS 3W, NSM
 * chapter), registered with the host's rpcbind like the kernel's lockd. Counts callbacks per
 * mon_name and prints {"ready":true}, then {"done":N,"lastAt":ms} once N distinct hosts were
 * called back, then {"callbacks":C,"hosts":H} on SIGTERM.
 *
 *   node dist/bench/lockd.js --expect 10000
 */
import { parseArgs } from 'node:util';
import { NLM4_VERS_DEF } from '../src/proto/nlm_prot.js';
import { RpcServer } from '../src/rpc/server.js';
import { registerService } from '../src/rpcbind/register.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { expect: { type: 'string', default: '1' }, duration: { type: 'string', default: '900000' } },
    strict: true,
  });
  const expect = Number(values.expect);
  const hosts = new Set<string>();
  let callbacks = 0;
  let done = false;
  const server = new RpcServer();
  server.addProgram(NLM4_VERS_DEF, {
    NLMPROC4_NULL: () => undefined,
    NLMPROC4_NSM_NOTIFY: (args) => {
      callbacks++;
      hosts.add(args.mon_name);
      if (!done && hosts.size >= expect) {
        done = true;
        process.stdout.write(`${JSON.stringify({ done: hosts.size, lastAt: Date.now() })}\n`);
      }
    },
  });
  const udpPort = await server.listenUdp({ host: '0.0.0.0', port: 0 });
  const tcpPort = await server.listenTcp({ host: '0.0.0.0', port: 0 });
  const reg = await registerService({
    prog: 100021,
    vers: [4],
    udpPort,
    tcpPort,
    mode: 'system',
    ipv6: false,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, udpPort, tcpPort })}\n`);
  const stop = async () => {
    process.stdout.write(`${JSON.stringify({ callbacks, hosts: hosts.size })}\n`);
    await reg.unregister();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  setTimeout(() => void stop(), Number(values.duration));
}

main().catch((err) => {
  process.stderr.write(`lockd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
