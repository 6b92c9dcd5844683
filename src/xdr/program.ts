import type { XdrCodec } from './codec.js';

/** One remote procedure: its number and the codecs of its argument and result (RFC 5531 §12). */
export interface ProcedureDef<A = any, R = any> {
  readonly name: string;
  readonly proc: number;
  readonly args: XdrCodec<A>;
  readonly res: XdrCodec<R>;
}

/** One version of one RPC program with its procedures by name, as xdrgen emits it. */
export interface ProgramDef<P extends Record<string, ProcedureDef> = Record<string, ProcedureDef>> {
  readonly name: string;
  readonly prog: number;
  readonly vers: number;
  readonly procs: P;
}

/** The argument type of a procedure definition. */
export type ArgsOf<D> = D extends ProcedureDef<infer A, any> ? A : never;
/** The result type of a procedure definition. */
export type ResOf<D> = D extends ProcedureDef<any, infer R> ? R : never;
