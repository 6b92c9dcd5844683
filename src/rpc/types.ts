import type { ArgsOf, ProcedureDef, ProgramDef, ResOf } from '../xdr/program.js';

/** The transport a call arrived on or is sent over. */
export type Transport = 'udp' | 'tcp';

/** AUTH_SYS credentials (RFC 5531 Appendix A). */
export interface AuthSys {
  stamp: number;
  machinename: string;
  uid: number;
  gid: number;
  gids: number[];
}

/** Who made a call, as the server saw it. */
export interface Caller {
  /** Source address; v4-mapped IPv6 (`::ffff:a.b.c.d`) is given as plain IPv4. */
  address: string;
  port: number;
  family: 4 | 6;
  transport: Transport;
  /** Source port below 1024. */
  privilegedPort: boolean;
  /** Source address in 127.0.0.0/8 or ::1. */
  loopback: boolean;
  /** Local address and port the call arrived on. */
  localAddress: string;
  localPort: number;
  /** Credential flavour (0 AUTH_NONE, 1 AUTH_SYS, ...). */
  authFlavor: number;
  /** Decoded AUTH_SYS credentials when the flavour is AUTH_SYS. */
  authSys?: AuthSys;
  xid: number;
}

/** Returned (or resolved) by a handler to send no reply at all (rate limits, silent drops). */
export const NO_REPLY: unique symbol = Symbol('nsmd.rpc.noReply');
export type NoReply = typeof NO_REPLY;

/** A procedure's implementation on the server. */
export type Handler<A, R> = (args: A, caller: Caller) => R | NoReply | Promise<R | NoReply>;

/** Implementations of some or all procedures of a program version; missing ones answer PROC_UNAVAIL. */
export type Handlers<P extends ProgramDef> = {
  [K in keyof P['procs']]?: Handler<ArgsOf<P['procs'][K]>, ResOf<P['procs'][K]>>;
};

/** Options every client call takes. */
export interface CallOptions {
  /** Overall time limit of the call, retransmissions included. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** For UDP clients: send this call to another destination than the client's default. */
  to?: { host: string; port: number };
  /** Credentials; AUTH_NONE when absent. */
  authSys?: AuthSys;
}

/** A typed view of one program version: `sm.SM_MON(args)`. */
export type BoundProgram<P extends ProgramDef> = {
  [K in keyof P['procs']]: (args: ArgsOf<P['procs'][K]>, opts?: CallOptions) => Promise<ResOf<P['procs'][K]>>;
};

export type { ArgsOf, ProcedureDef, ProgramDef, ResOf };
