/** Stable codes of the errors the ports module raises. */
export type PortsErrorCode =
  | 'ERR_PORTS_NO_PRIVILEGE' // binding a reserved port needs root or CAP_NET_BIND_SERVICE
  | 'ERR_PORTS_EXHAUSTED'; // every candidate reserved port was taken

/** A ports-level failure; the socket error, if any, is in `cause`. */
export class PortsError extends Error {
  override readonly name = 'PortsError';
  constructor(
    readonly code: PortsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
