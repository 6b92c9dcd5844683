import { parseArgs } from 'node:util';
import type { RpcLogger } from '../../rpc/logger.js';
import { RPCBIND_PORT } from '../../rpcbind/client.js';
import { RpcbindServer } from '../../rpcbind/server.js';
import { ipFamily } from '../../rpcbind/uaddr.js';
import { type Command, fail, UsageError } from '../command.js';

const HELP = `Usage: nsmd rpcbind [--port N] [--host ADDR]

Runs the embedded rpcbind (portmapper) in the foreground: program 100000 versions 2, 3 and 4
(RFC 1833) over UDP and TCP, with one registration table for all versions.

  --port N      port for UDP and TCP (default 111, which needs root or CAP_NET_BIND_SERVICE;
                0 = any free port, printed on stderr)
  --host ADDR   address to listen on (default ::, every IPv4 and IPv6 address)
  -h, --help    this text

SET and UNSET are accepted from loopback callers only; others are answered false and logged on
stderr. The remote call procedures (CALLIT, BCAST, INDIRECT) answer PROC_UNAVAIL: they would let
a spoofed small request make this host send bigger ones; GETSTAT, UADDR2TADDR and TADDR2UADDR
are not implemented either. SIGTERM or SIGINT stops it (exit 0).`;

function stderrLogger(): RpcLogger {
  const line = (level: string, m: string) => process.stderr.write(`nsmd rpcbind: ${level}: ${m}\n`);
  return {
    warn: (m) => line('warning', m),
    error: (m) => line('error', m),
    debug: () => {},
  };
}

/** `nsmd rpcbind`: the embedded rpcbind as a daemon. */
export const rpcbindCommand: Command = {
  name: 'rpcbind',
  summary: 'run the embedded rpcbind (portmapper, program 100000 v2-v4) in the foreground',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { port: { type: 'string' }, host: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    let port = RPCBIND_PORT;
    if (values.port !== undefined) {
      if (!/^[0-9]+$/.test(values.port) || Number(values.port) > 65535) {
        throw new UsageError(`--port ${values.port} is not a port number`);
      }
      port = Number(values.port);
    }
    if (values.host !== undefined && ipFamily(values.host) === undefined) {
      throw new UsageError(`--host ${values.host} is not an IP address`);
    }
    const server = new RpcbindServer({
      port,
      ...(values.host !== undefined ? { host: values.host } : {}),
      logger: stderrLogger(),
    });
    let where: Awaited<ReturnType<RpcbindServer['start']>>;
    try {
      where = await server.start();
    } catch (err) {
      await server.close().catch(() => {});
      return fail(`cannot listen on port ${port}: ${(err as Error).message}`);
    }
    process.stderr.write(
      `nsmd rpcbind: listening on ${where.host} udp ${where.udpPort} tcp ${where.tcpPort}\n`,
    );
    return new Promise<number>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        server.close().then(
          () => resolve(0),
          () => resolve(0),
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  },
};
