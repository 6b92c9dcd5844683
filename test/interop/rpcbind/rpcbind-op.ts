/**
 * Runs one rpcbind or NSM operation with our library inside a test host and prints the result as
 * JSON on stdout (errors: {"error": code, "message"} and exit 1). argv[2] is the operation:
 *   {"op":"client","host":"..","transport":"udp","method":"pmapSet","args":[...]}
 *   {"op":"getPort","host":"..","prog":..,"vers":..,"proto":"udp"}
 *   {"op":"sm","host":"..","port":..,"transport":"tcp","proc":"SM_STAT","args":{...}}
 */
import { SM_VERS_DEF } from '../../../src/proto/sm_inter.js';
import { createClient } from '../../../src/rpc/index.js';
import { getPort, RpcbindClient } from '../../../src/rpcbind/index.js';

interface Op {
  op: 'client' | 'getPort' | 'sm';
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp';
  method?: string;
  args?: unknown;
  prog?: number;
  vers?: number;
  proto?: 'udp' | 'tcp';
  proc?: 'SM_NULL' | 'SM_STAT';
}

async function run(o: Op): Promise<unknown> {
  if (o.op === 'getPort') return getPort(o.host, o.prog!, o.vers!, o.proto!, { timeoutMs: 3000 });
  if (o.op === 'sm') {
    const c = createClient({ host: o.host, port: o.port!, transport: o.transport ?? 'udp', timeoutMs: 3000 });
    try {
      const r = await c.call(SM_VERS_DEF, o.proc!, o.args as never);
      return r ?? null;
    } finally {
      c.close();
    }
  }
  const c = new RpcbindClient({ host: o.host, transport: o.transport ?? 'udp', timeoutMs: 3000 });
  try {
    const method = (c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[o.method!];
    if (typeof method !== 'function') throw new Error(`no method ${o.method}`);
    return (await method.apply(c, (o.args as unknown[]) ?? [])) ?? null;
  } finally {
    c.close();
  }
}

run(JSON.parse(process.argv[2]!) as Op).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: Error & { code?: string }) => {
    process.stdout.write(`${JSON.stringify({ error: err.code ?? err.name, message: err.message })}\n`);
    process.exitCode = 1;
  },
);
