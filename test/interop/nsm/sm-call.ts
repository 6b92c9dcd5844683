// One NSM call to the statd of this host, printed as JSON: what a lock manager or an admin would send.
// Usage: node sm-call.js OP [ARGS_JSON] [--tcp] [--port N] [--host H] [--privileged]
//   OP: null | stat | mon | unmon | unmon_all | simu_crash | notify
//   mon ARGS_JSON: {"mon_name","my_name","my_prog","my_vers","my_proc","priv":"<32 hex>"}
// Without --port, the port is asked of the host's rpcbind (portmap GETPORT).
import { parseArgs } from 'node:util';
import { SM_PROG, SM_VERS, SM_VERS_DEF } from '../../../src/proto/sm_inter.js';
import { createClient } from '../../../src/rpc/client.js';
import { getPort } from '../../../src/rpcbind/client.js';

const { values, positionals } = parseArgs({
  options: {
    tcp: { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    privileged: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const [op, json] = positionals;
const a = json ? (JSON.parse(json) as Record<string, unknown>) : {};
const transport = values.tcp ? 'tcp' : 'udp';
const host = values.host!;
const port = values.port
  ? Number(values.port)
  : await getPort(host, SM_PROG, SM_VERS, transport, { timeoutMs: 3000 });
const client = createClient({ host, port, transport, privileged: values.privileged, timeoutMs: 5000 });
const sm = client.bind(SM_VERS_DEF);
const myId = () => ({
  my_name: String(a.my_name ?? 'localhost'),
  my_prog: Number(a.my_prog ?? 100021),
  my_vers: Number(a.my_vers ?? 4),
  my_proc: Number(a.my_proc ?? 16),
});
let out: unknown;
switch (op) {
  case 'null':
    out = await sm.SM_NULL();
    break;
  case 'stat':
    out = await sm.SM_STAT({ mon_name: String(a.mon_name) });
    break;
  case 'mon':
    out = await sm.SM_MON({
      mon_id: { mon_name: String(a.mon_name), my_id: myId() },
      priv: Buffer.from(String(a.priv ?? '00'.repeat(16)), 'hex'),
    });
    break;
  case 'unmon':
    out = await sm.SM_UNMON({ mon_name: String(a.mon_name), my_id: myId() });
    break;
  case 'unmon_all':
    out = await sm.SM_UNMON_ALL(myId());
    break;
  case 'simu_crash':
    out = await sm.SM_SIMU_CRASH();
    break;
  case 'notify':
    out = await sm.SM_NOTIFY({ mon_name: String(a.mon_name), state: Number(a.state) });
    break;
  default:
    process.stderr.write(`unknown op ${op}\n`);
    process.exit(2);
}
process.stdout.write(`${JSON.stringify({ op, result: out ?? null, localPort: client.localPort })}\n`);
await client.close();
