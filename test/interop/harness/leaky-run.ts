// A harness user that never calls close(): it exits (mode "exit") or waits to be killed (mode
// "signal"). The harness's own exit handling must still remove everything it made.
import { createNetwork, startRpcbind } from '../../harness/index.js';

const mode = process.argv[2] ?? 'exit';
const net = await createNetwork({ hosts: [{ name: 'solo' }] });
const rpcbind = await startRpcbind(net.host('solo'));
const sleeper = net.host('solo').spawn('sleep', ['600']);
process.stdout.write(
  `${JSON.stringify({
    id: net.id,
    dir: net.dir,
    namespaces: net.resources.namespaces,
    pids: [rpcbind.pid, sleeper.pid],
  })}\n`,
);
if (mode === 'exit') process.exit(0);
setInterval(() => undefined, 1000);
