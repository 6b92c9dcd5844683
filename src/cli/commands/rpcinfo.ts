import { parseArgs } from 'node:util';
import { RpcError } from '../../rpc/errors.js';
import { createClient } from '../../rpc/index.js';
import { getPort, RPCBIND_PORT, RpcbindClient } from '../../rpcbind/client.js';
import { loadRpcNames, type RpcNames } from '../../rpcbind/rpcent.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PortMapping } from '../../rpcbind/table.js';
import { xdrVoid } from '../../xdr/codec.js';
import type { ProgramDef } from '../../xdr/program.js';
import { type Command, fail, UsageError } from '../command.js';

const HELP = `Usage: nsmd rpcinfo -p [HOST] [--json]
       nsmd rpcinfo -u|-t HOST PROG [VERS]

Asks an rpcbind (portmapper) what it has registered, or checks that a program answers.

  -p [HOST]      list the registrations of HOST's rpcbind (default 127.0.0.1), asked with
                 portmap v2 DUMP over TCP, in the columns of rpcinfo -p
  -u HOST PROG [VERS]
                 call procedure 0 (NULL) of PROG over UDP and print
                 "program P version V ready and waiting"; without VERS, call version 0 to
                 learn the versions from the PROG_MISMATCH answer, then each of them
  -t HOST PROG [VERS]
                 the same over TCP
  -n, --port N   with -u/-t: call PROG on port N instead of asking HOST's rpcbind (which is
                 asked with portmap v2 GETPORT for an IPv4 HOST, rpcbind v3 GETADDR for IPv6)
  --rpcbind-port N
                 port of HOST's rpcbind (default 111)
  --timeout MS   time limit of each call (default 5000)
  --json         with -p: print the registrations as JSON
  -h, --help     this text

PROG is a number or a name from /etc/rpc (e.g. status, portmapper, nlockmgr).
Exit status: 0 when everything answered, 1 on a failure, 2 on bad usage.`;

/** The column header of `rpcinfo -p`. */
export const PMAP_HEADER = '   program vers proto   port  service';

/** One line of `rpcinfo -p` output for a mapping: %10u%5u%6s%7u, then two spaces and the name if known. */
export function formatPmapLine(m: PortMapping, names: RpcNames): string {
  const proto = m.prot === IPPROTO_TCP ? 'tcp' : m.prot === IPPROTO_UDP ? 'udp' : String(m.prot);
  const name = names.nameOf(m.prog);
  const line = `${String(m.prog).padStart(10)}${String(m.vers).padStart(5)}${proto.padStart(6)}${String(m.port).padStart(7)}`;
  return name === undefined ? line : `${line}  ${name}`;
}

/** The whole `rpcinfo -p` text for a DUMP, ending in a newline. */
export function formatPmapDump(maps: readonly PortMapping[], names: RpcNames): string {
  if (maps.length === 0) return 'No remote programs registered.\n';
  return `${[PMAP_HEADER, ...maps.map((m) => formatPmapLine(m, names))].join('\n')}\n`;
}

/** The `--json` form of a DUMP. */
export function pmapDumpJson(maps: readonly PortMapping[], names: RpcNames): object[] {
  return maps.map((m) => ({
    program: m.prog,
    version: m.vers,
    protocol: m.prot === IPPROTO_TCP ? 'tcp' : m.prot === IPPROTO_UDP ? 'udp' : m.prot,
    port: m.port,
    service: names.nameOf(m.prog) ?? null,
  }));
}

/** Parses PROG: a decimal number or a name or alias from /etc/rpc; undefined for an unknown name. */
export function parseProgram(text: string, names: RpcNames): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n > 0xffffffff) throw new UsageError(`${text} is not a valid program number`);
    return n;
  }
  return names.numberOf(text);
}

function parseUnsigned(text: string, what: string, max: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > max) throw new UsageError(`${text} is not a valid ${what}`);
  return Number(text);
}

/** A program definition with only procedure 0, for NULL calls to any program and version. */
function nullDef(prog: number, vers: number): ProgramDef {
  return {
    name: `${prog}`,
    prog,
    vers,
    procs: { NULL: { name: 'NULL', proc: 0, args: xdrVoid, res: xdrVoid } },
  };
}

/** Why a call failed, in one line. */
function describeError(err: unknown): string {
  if (err instanceof RpcError) {
    if (err.code === 'ERR_RPC_PROG_MISMATCH') {
      return `program/version mismatch; low version = ${err.low}, high version = ${err.high}`;
    }
    return err.message;
  }
  return (err as Error).message;
}

async function listRegistrations(
  host: string,
  rpcbindPort: number,
  timeoutMs: number,
  json: boolean,
): Promise<number> {
  const names = loadRpcNames();
  // Over TCP, as rpcinfo -p does: a long list does not fit a UDP reply.
  const client = new RpcbindClient({ host, port: rpcbindPort, transport: 'tcp', timeoutMs });
  try {
    const maps = await client.pmapDump();
    process.stdout.write(
      json ? `${JSON.stringify(pmapDumpJson(maps, names), null, 2)}\n` : formatPmapDump(maps, names),
    );
    return 0;
  } catch (err) {
    return fail(`${host}: cannot reach rpcbind: ${describeError(err)}`);
  } finally {
    client.close();
  }
}

interface PingOptions {
  host: string;
  transport: 'udp' | 'tcp';
  prog: number;
  vers: number | undefined;
  port: number | undefined;
  rpcbindPort: number;
  timeoutMs: number;
}

/** Asks HOST's rpcbind where prog listens for the transport: v2 GETPORT for IPv4, v3 GETADDR for IPv6. */
function findPort(o: PingOptions): Promise<number> {
  // rpcbind answers for any version when the one asked for is not registered (RFC 1833 §2.2.2),
  // which is what a versionless check wants: version 0 then finds the program.
  return getPort(o.host, o.prog, o.vers ?? 0, o.transport, {
    rpcbindPort: o.rpcbindPort,
    timeoutMs: o.timeoutMs,
  });
}

async function ping(o: PingOptions): Promise<number> {
  let port = o.port;
  if (port === undefined) {
    try {
      port = await findPort(o);
    } catch (err) {
      return fail(`${o.host}: ${describeError(err)}`);
    }
    if (port === 0) return fail(`${o.host}: program ${o.prog} is not registered for ${o.transport}`);
  }
  const client = createClient({ host: o.host, port, transport: o.transport, timeoutMs: o.timeoutMs });
  const call = (vers: number) =>
    client.call(nullDef(o.prog, vers), 'NULL', undefined, { timeoutMs: o.timeoutMs });
  const ready = (vers: number) =>
    process.stdout.write(`program ${o.prog} version ${vers} ready and waiting\n`);
  const notAvailable = (vers: number) =>
    process.stdout.write(`program ${o.prog} version ${vers} is not available\n`);
  try {
    if (o.vers !== undefined) {
      try {
        await call(o.vers);
        ready(o.vers);
        return 0;
      } catch (err) {
        if (err instanceof RpcError && err.code === 'ERR_RPC_PROG_MISMATCH') notAvailable(o.vers);
        return fail(`${o.host}: ${describeError(err)}`);
      }
    }
    // No version given: version 0 draws PROG_MISMATCH with the range the server has (RFC 5531 §9).
    let low: number;
    let high: number;
    try {
      await call(0);
      ready(0);
      return 0;
    } catch (err) {
      if (!(err instanceof RpcError) || err.code !== 'ERR_RPC_PROG_MISMATCH') {
        return fail(`${o.host}: ${describeError(err)}`);
      }
      low = err.low ?? 0;
      high = err.high ?? 0;
    }
    // A server may claim any range; never make more than 64 calls for one check.
    const last = Math.min(high, low + 63);
    let failed = false;
    for (let v = low; v <= last; v++) {
      try {
        await call(v);
        ready(v);
      } catch (err) {
        notAvailable(v);
        process.stderr.write(`nsmd: ${o.host}: ${describeError(err)}\n`);
        failed = true;
      }
    }
    if (last < high)
      return fail(`${o.host}: server claims versions ${low} to ${high}; checked only ${low} to ${last}`);
    return failed ? 1 : 0;
  } finally {
    client.close();
  }
}

/** `nsmd rpcinfo`: rpcinfo -p and rpcinfo -u/-t. */
export const rpcinfoCommand: Command = {
  name: 'rpcinfo',
  summary: "list an rpcbind's registrations or check that a program answers (like rpcinfo)",
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        p: { type: 'boolean', short: 'p' },
        u: { type: 'boolean', short: 'u' },
        t: { type: 'boolean', short: 't' },
        port: { type: 'string', short: 'n' },
        'rpcbind-port': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const modes = [values.p, values.u, values.t].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give exactly one of -p, -u, -t');
    const rpcbindPort =
      values['rpcbind-port'] === undefined
        ? RPCBIND_PORT
        : parseUnsigned(values['rpcbind-port'], 'port', 65535);
    const timeoutMs =
      values.timeout === undefined ? 5000 : parseUnsigned(values.timeout, 'timeout', 3_600_000);
    if (timeoutMs === 0) throw new UsageError('--timeout must be above 0');
    if (values.p) {
      if (positionals.length > 1) throw new UsageError('-p takes at most one HOST');
      if (values.port !== undefined) throw new UsageError('-n/--port goes with -u or -t');
      return listRegistrations(positionals[0] ?? '127.0.0.1', rpcbindPort, timeoutMs, values.json === true);
    }
    if (values.json) throw new UsageError('--json goes with -p');
    if (positionals.length < 2 || positionals.length > 3)
      throw new UsageError('-u and -t take HOST PROG [VERS]');
    const [host, progText, versText] = positionals as [string, string, string | undefined];
    const prog = parseProgram(progText, loadRpcNames());
    if (prog === undefined) return fail(`${progText} is an unknown service (not in /etc/rpc)`);
    const vers = versText === undefined ? undefined : parseUnsigned(versText, 'version number', 0xffffffff);
    const port = values.port === undefined ? undefined : parseUnsigned(values.port, 'port', 65535);
    if (port === 0) throw new UsageError('-n/--port must be above 0');
    return ping({ host, transport: values.u ? 'udp' : 'tcp', prog, vers, port, rpcbindPort, timeoutMs });
  },
};
