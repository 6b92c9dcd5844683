// Makes one RPC call and prints the outcome as one JSON line; run inside a test host's network
// namespace, where the test process itself cannot reach:
//   node rpc-call.js HOST PORT udp|tcp PROGRAM PROC 'ARGS-JSON' [--privileged] [--timeout MS]
// PROGRAM is sm, nlm4, pmap, rpcb3 or rpcb4. In ARGS-JSON, {"$hex": "..."} stands for bytes and
// {"$big": "..."} for a 64-bit integer. Output: {"ok":true,"result":...} or {"ok":false,"code":...}.
import {
  NLM4_VERS_DEF,
  PMAPVERS_DEF,
  RPCBVERS_DEF,
  RPCBVERS4_DEF,
  SM_VERS_DEF,
} from '../../src/proto/index.js';
import { createClient } from '../../src/rpc/index.js';
import type { ProgramDef } from '../../src/xdr/index.js';

const PROGRAMS: Record<string, ProgramDef> = {
  sm: SM_VERS_DEF,
  nlm4: NLM4_VERS_DEF,
  pmap: PMAPVERS_DEF,
  rpcb3: RPCBVERS_DEF,
  rpcb4: RPCBVERS4_DEF,
};

/** Turns {"$hex"} and {"$big"} markers into bytes and bigints. */
export function revive(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$hex' in v)
    return Buffer.from(String((v as { $hex: string }).$hex), 'hex');
  if (v && typeof v === 'object' && '$big' in v) return BigInt((v as { $big: string }).$big);
  return v;
}

/** The reverse of revive, for printing results. */
export function replace(_key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return { $hex: Buffer.from(v).toString('hex') };
  if (typeof v === 'bigint') return { $big: v.toString() };
  return v;
}

async function main(): Promise<void> {
  const [host, port, transport, program, proc, argsJson = 'null', ...flags] = process.argv.slice(2);
  const def = PROGRAMS[program ?? ''];
  if (
    !host ||
    !port ||
    (transport !== 'udp' && transport !== 'tcp') ||
    !def ||
    !proc ||
    !(proc in def.procs)
  ) {
    process.stderr.write('usage: rpc-call HOST PORT udp|tcp sm|nlm4|pmap|rpcb3|rpcb4 PROC ARGS-JSON\n');
    process.exit(2);
  }
  const ti = flags.indexOf('--timeout');
  const timeoutMs = ti >= 0 ? Number(flags[ti + 1]) : 3000;
  const client = createClient({
    host,
    port: Number(port),
    transport,
    privileged: flags.includes('--privileged'),
    timeoutMs,
  });
  try {
    const result = await client.call(def, proc, JSON.parse(argsJson, revive) ?? undefined);
    process.stdout.write(`${JSON.stringify({ ok: true, result: result ?? null }, replace)}\n`);
  } catch (err) {
    const e = err as { code?: string; message: string };
    process.stdout.write(`${JSON.stringify({ ok: false, code: e.code ?? 'ERR', message: e.message })}\n`);
  } finally {
    client.close();
  }
}

await main();
