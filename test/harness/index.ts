// Test hosts in network namespaces and launchers for the Debian peers, shared by the interop tests
// and the benchmarks. Typical use:
//
//   describe('x', { skip: interopSkip() }, () => {
//     let net: Network;
//     before(async () => { net = await createNetwork({ hosts: [{ name: 'server' }, { name: 'client' }] }); });
//     after(() => net.close());
//     test('...', async () => {
//       const server = net.host('server');              // 10.199.0.1, server.nsmd.test
//       await startRpcbind(server);
//       const statd = await startStatd(server, { port: 4000 });
//       const nsmd = net.host('client').spawnNsmd(['serve', '--port', '4000']);
//       await net.host('client').waitForRpc('status', 1, 'udp');
//       const r = await rpcinfo(net.host('client'), ['-u', 'server', 'status', '1']);
//     });
//   });
export { cleanupStale, namespacePids, PREFIX } from './cleanup.js';
export {
  createNetwork,
  DEFAULT_DOMAIN,
  type ExecOptions,
  Host,
  type HostEntry,
  type HostSpec,
  IPV4_PREFIX,
  IPV6_PREFIX,
  Network,
  type NetworkOptions,
  NSMD_MAIN,
  namespaceExists,
  nsmdArgv,
  nsmdNodeFlags,
  REPO_ROOT,
  type SpawnOptions,
} from './netns.js';
export {
  hostFiles,
  makeStateDir,
  rpcinfo,
  runSmNotify,
  type SmNotifyOptions,
  type StatdOptions,
  type StatdPeer,
  startRpcbind,
  startStatd,
} from './peers.js';
export { type ExecResult, type ExitStatus, HarnessError, TrackedProcess } from './process.js';
export {
  INTEROP_TOOLS,
  InteropUnavailableError,
  inCi,
  interopMissing,
  interopSkip,
  requireRoot,
  type SkippableContext,
  skipUnlessInterop,
  which,
} from './require.js';
export { lookupUser } from './users.js';
