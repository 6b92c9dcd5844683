import { type RegistrationMode, registerService, type ServiceRegistration } from '../rpcbind/register.js';
import { NLM_PROG } from './statd.js';

/** The NLM versions nsmd's lock manager serves. */
export const NLM_VERSIONS = [1, 3, 4];

/**
 * Registers NLM v1, v3 and v4 (udp, tcp, udp6, tcp6) with rpcbind (RFC 1833), replacing earlier
 * registrations of NLM. Default mode 'system': the host's rpcbind (nsmd serve starts an embedded
 * one when the host has none).
 */
export function registerNlm(
  ports: { udp: number; tcp: number },
  opts: { mode?: RegistrationMode; rpcbindPort?: number } = {},
): Promise<ServiceRegistration> {
  return registerService({
    prog: NLM_PROG,
    vers: NLM_VERSIONS,
    udpPort: ports.udp,
    tcpPort: ports.tcp,
    mode: opts.mode ?? 'system',
    ...(opts.rpcbindPort ? { rpcbindPort: opts.rpcbindPort } : {}),
  });
}
