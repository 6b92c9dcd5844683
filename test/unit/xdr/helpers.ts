import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { compile } from '../../../src/xdr/gen/index.js';

/** The package root (this file runs from dist/test/unit/xdr). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const RUNTIME = pathToFileURL(path.join(ROOT, 'dist/src/xdr/index.js')).href;
let dir: string | undefined;
let count = 0;

/** Compiles .x text, transpiles the TypeScript and imports it, so a test can run the codecs. */
export async function load(src: string, file = 'test.x'): Promise<Record<string, any>> {
  const code = compile(src, { file, runtime: RUNTIME });
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  dir ??= tempDir('nsmd-xdrgen-');
  const out = path.join(dir, `m${count++}.mjs`);
  writeFileSync(out, js);
  return import(pathToFileURL(out).href);
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Hex from annotated rows: each row is [hex bytes, what they are]. Spaces in the hex are ignored. */
export function hex(rows: readonly (readonly [string, string])[]): Buffer {
  return Buffer.from(rows.map(([h]) => h.replace(/\s+/g, '')).join(''), 'hex');
}
