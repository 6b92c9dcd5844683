// A stand-in for a host's lock manager: serves NLM v4 procedure 16 (the statd reboot callback,
// `status {mon_name, state, priv}`) on loopback, registers with the local rpcbind and prints one
// JSON line per callback received, with who sent it:
//   node callback-recorder.js [PROG]        (default 100021)
// Prints "ready <port>" once registered. SIGTERM unregisters and exits.
import { NLM4_VERS_DEF } from '../../src/proto/index.js';
import { RpcServer } from '../../src/rpc/index.js';
import { RpcbindClient } from '../../src/rpcbind/index.js';

const prog = Number(process.argv[2] ?? 100021);
const def = {
  ...NLM4_VERS_DEF,
  prog,
  procs: { NLMPROC4_NSM_NOTIFY: NLM4_VERS_DEF.procs.NLMPROC4_NSM_NOTIFY },
};
const server = new RpcServer();
server.addProgram(def, {
  NLMPROC4_NSM_NOTIFY(args, caller) {
    const line = {
      callback: { mon_name: args.mon_name, state: args.state, priv: Buffer.from(args.priv).toString('hex') },
      from: { address: caller.address, port: caller.port, privileged: caller.privilegedPort },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});
const udpPort = await server.listenUdp({ host: '127.0.0.1', port: 0 });
const tcpPort = await server.listenTcp({ host: '127.0.0.1', port: udpPort });
const rpcbind = new RpcbindClient();
await rpcbind.pmapUnset(prog, 4);
await rpcbind.pmapSet({ prog, vers: 4, prot: 'udp', port: udpPort });
await rpcbind.pmapSet({ prog, vers: 4, prot: 'tcp', port: tcpPort });
process.stdout.write(`ready ${udpPort}\n`);
process.on('SIGTERM', async () => {
  await rpcbind.pmapUnset(prog, 4).catch(() => false);
  rpcbind.close();
  await server.close();
  process.exit(0);
});
