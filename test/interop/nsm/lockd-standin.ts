// A lock manager stand-in for the interop tests: serves the NSM callback (XNFS 3W ch. 11 `status`)
// as program PROG version VERS procedure PROC over UDP on 127.0.0.1, registers it with the host's
// rpcbind, and prints one JSON line per event: {"ready":PORT} then {"callback":{...}} per call.
// Usage: node lockd-standin.js [PROG VERS PROC]
import { status } from '../../../src/proto/sm_inter.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { RpcbindClient } from '../../../src/rpcbind/client.js';
import { xdrVoid } from '../../../src/xdr/codec.js';
import { textOf } from '../../../src/xdr/writer.js';

const [prog = 100021, vers = 4, proc = 16] = process.argv.slice(2).map(Number);
const def = {
  name: 'LOCKD_STANDIN',
  prog,
  vers,
  procs: { CALLBACK: { name: 'CALLBACK', proc, args: status, res: xdrVoid } },
} as const;

const server = new RpcServer();
server.addProgram(def, {
  CALLBACK: (args, caller) => {
    const line = {
      callback: {
        mon_name: textOf(args.mon_name),
        state: args.state,
        priv: Buffer.from(args.priv).toString('hex'),
        from: caller.address,
        port: caller.port,
        privileged: caller.privilegedPort,
      },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});
const port = await server.listenUdp({ host: '127.0.0.1', port: 0 });
const rpcbind = new RpcbindClient({ host: '127.0.0.1', timeoutMs: 3000 });
await rpcbind.pmapUnset(prog, vers);
if (!(await rpcbind.pmapSet({ prog, vers, prot: 'udp', port })))
  throw new Error('rpcbind refused the registration');
process.stdout.write(`${JSON.stringify({ ready: port })}\n`);

const stop = async () => {
  await rpcbind.pmapUnset(prog, vers).catch(() => {});
  rpcbind.close();
  await server.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
