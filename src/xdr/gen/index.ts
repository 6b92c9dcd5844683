import { emit } from './emitter.js';
import { Model } from './model.js';
import { parse } from './parser.js';

export type { Spec } from './ast.js';
export { XdrgenError, type XdrgenErrorCode } from './errors.js';
export { parse } from './parser.js';

/** Options of compile(). */
export interface CompileOptions {
  /** The .x file's path as printed in messages and in the generated header. */
  readonly file: string;
  /** Module specifier of the XDR runtime the output imports (default `nsmd/xdr`). */
  readonly runtime?: string;
}

/** Compiles the text of a .x file to a TypeScript module; throws XdrgenError on the first error. */
export function compile(src: string, opts: CompileOptions): string {
  const spec = parse(src, opts.file);
  const model = new Model(spec);
  return emit(model, { source: opts.file, runtime: opts.runtime ?? 'nsmd/xdr' });
}
