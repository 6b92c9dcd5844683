import { RpcbindClient } from '../rpcbind/client.js';
import { formatUaddr } from '../rpcbind/uaddr.js';
import { NLM_PROG } from './statd.js';

/** The NLM versions nsmd's lock manager serves. */
export const NLM_VERSIONS = [1, 3, 4] as const;

/**
 * Registers NLM v1, v3 and v4 with the local rpcbind (RFC 1833): portmap SET for udp and tcp, and
 * rpcbind v4 SET for udp6 and tcp6 (best effort). Earlier registrations of NLM are replaced.
 */
export async function registerNlm(ports: { udp: number; tcp: number }, rpcbindPort?: number): Promise<void> {
  const rb = new RpcbindClient({ host: '127.0.0.1', ...(rpcbindPort ? { port: rpcbindPort } : {}) });
  try {
    for (const vers of NLM_VERSIONS) {
      await rb.unset(NLM_PROG, vers).catch(() => rb.pmapUnset(NLM_PROG, vers));
      const ok =
        (await rb.pmapSet({ prog: NLM_PROG, vers, prot: 'udp', port: ports.udp })) &&
        (await rb.pmapSet({ prog: NLM_PROG, vers, prot: 'tcp', port: ports.tcp }));
      if (!ok) throw new Error(`rpcbind refused to register NLM version ${vers}`);
      for (const [netid, port] of [
        ['udp6', ports.udp],
        ['tcp6', ports.tcp],
      ] as const) {
        await rb.set({ prog: NLM_PROG, vers, netid, addr: formatUaddr('::', port) }).catch(() => false);
      }
    }
  } finally {
    rb.close();
  }
}

/** Removes NLM's registrations from the local rpcbind. */
export async function unregisterNlm(rpcbindPort?: number): Promise<void> {
  const rb = new RpcbindClient({ host: '127.0.0.1', timeoutMs: 2000, ...(rpcbindPort ? { port: rpcbindPort } : {}) });
  try {
    for (const vers of NLM_VERSIONS) await rb.unset(NLM_PROG, vers).catch(() => rb.pmapUnset(NLM_PROG, vers));
  } finally {
    rb.close();
  }
}
