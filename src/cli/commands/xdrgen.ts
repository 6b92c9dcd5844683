import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile, XdrgenError } from '../../xdr/gen/index.js';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd xdrgen FILE.x [-o OUT.ts] [--runtime MODULE]
       nsmd xdrgen --all [--check] [--root DIR]

Compiles XDR language files (RFC 4506 §6, with rpcgen's program definitions) to
TypeScript: a type and a codec for every typedef, enum, struct and union, the
constants, and for every program version a procedure table (NAME_DEF) that the
RPC client and server take. The mapping is described in docs/XDR.md.

Options:
  -o, --output OUT.ts   write here (default: standard output)
  --runtime MODULE      module the output imports the XDR runtime from
                        (default: the relative path to src/xdr/index.js when
                        OUT is inside this package's src/, else 'nsmd/xdr')
  --all                 regenerate every spec/*.x into src/proto/*.ts
  --check               with --all: change nothing, list stale or missing
                        files and exit 1 if there are any
  --root DIR            the package directory for --all (default: this package)

Errors name the file, line and column: spec/sm_inter.x:12:3: unknown type 'foo'.

Examples:
  nsmd xdrgen spec/sm_inter.x -o src/proto/sm_inter.ts
  nsmd xdrgen --all --check`;

function failXdrgen(message: string): number {
  process.stderr.write(`nsmd xdrgen: ${message}\n`);
  return 1;
}

/** The directory of this package (dist/src/cli/commands -> the package root). */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The runtime import for an output file: relative inside this package's src/, the package export outside. */
function runtimeFor(root: string, out: string | undefined): string {
  const src = path.join(root, 'src');
  if (out === undefined || !isInside(src, path.resolve(out))) return 'nsmd/xdr';
  let rel = posix(path.relative(path.dirname(path.resolve(out)), path.join(src, 'xdr', 'index.js')));
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

async function compileFile(file: string, source: string, runtime: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  return compile(text, { file: source, runtime });
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function runAll(root: string, check: boolean): Promise<number> {
  const specDir = path.join(root, 'spec');
  const names = (await readdir(specDir)).filter((n) => n.endsWith('.x')).sort();
  if (names.length === 0) return failXdrgen(`no .x files in ${specDir}`);
  const stale: string[] = [];
  for (const name of names) {
    const base = name.slice(0, -2);
    const outRel = `src/proto/${base}.ts`;
    const out = path.join(root, outRel);
    const code = await compileFile(path.join(specDir, name), `spec/${name}`, '../xdr/index.js');
    const current = await readIfExists(out);
    if (current === code) continue;
    stale.push(outRel);
    if (!check) {
      await writeFile(out, code);
      process.stdout.write(`wrote ${outRel}\n`);
    }
  }
  if (!check) {
    if (stale.length === 0) process.stdout.write(`${names.length} generated files are up to date\n`);
    return 0;
  }
  if (stale.length > 0) {
    for (const s of stale) process.stderr.write(`nsmd xdrgen: stale: ${s}\n`);
    process.stderr.write("nsmd xdrgen: run 'npm run gen' and commit the result\n");
    return 1;
  }
  process.stdout.write(`${names.length} generated files are up to date\n`);
  return 0;
}

export const xdrgenCommand: Command = {
  name: 'xdrgen',
  summary: 'compile XDR (.x) files to TypeScript codecs and procedure tables',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        runtime: { type: 'string' },
        all: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        root: { type: 'string' },
      },
    });
    try {
      if (values.all) {
        if (positionals.length > 0 || values.output !== undefined || values.runtime !== undefined) {
          throw new UsageError('--all takes no FILE, -o or --runtime');
        }
        return await runAll(path.resolve(values.root ?? packageRoot()), values.check);
      }
      if (values.check) throw new UsageError('--check goes with --all');
      if (values.root !== undefined) throw new UsageError('--root goes with --all');
      if (positionals.length !== 1) throw new UsageError('give one FILE.x (or --all)');
      const file = positionals[0]!;
      const root = packageRoot();
      const abs = path.resolve(file);
      const source = isInside(root, abs) ? posix(path.relative(root, abs)) : posix(file);
      const code = await compileFile(file, source, values.runtime ?? runtimeFor(root, values.output));
      if (values.output === undefined) process.stdout.write(code);
      else await writeFile(values.output, code);
      return 0;
    } catch (err) {
      if (err instanceof XdrgenError) return failXdrgen(err.message);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return failXdrgen(`no such file or directory: ${(err as NodeJS.ErrnoException).path}`);
      }
      throw err;
    }
  },
};
