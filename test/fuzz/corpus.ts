import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from './fuzzer.js';
import type { FuzzProgram } from './seeds.js';

/** The committed corpus: inputs worth replaying against every build. */
export const CORPUS_DIR = fileURLToPath(new URL('../../../test/fuzz/corpus/', import.meta.url));

/** One saved input: `<program> <hex>` on the first line, a comment on the rest. */
export interface CorpusEntry {
  file: string;
  program: FuzzProgram;
  input: Buffer;
}

export async function loadCorpus(dir = CORPUS_DIR): Promise<CorpusEntry[]> {
  const out: CorpusEntry[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.txt')).sort()) {
    const first = (await readFile(join(dir, file), 'utf8')).split('\n')[0]!.trim();
    const [program, hex] = first.split(/\s+/);
    if ((program === 'nsm' || program === 'nlm' || program === 'rpcbind') && hex && /^[0-9a-f]*$/.test(hex)) {
      out.push({ file, program, input: Buffer.from(hex, 'hex') });
    }
  }
  return out;
}

/** Saves findings so that the next CI run replays them. */
export async function saveFindings(findings: Finding[], dir = CORPUS_DIR): Promise<string[]> {
  const files: string[] = [];
  for (const f of findings) {
    if (!f.hex) continue;
    const file = join(dir, `found-${f.target}-${f.kind}-${f.hex.slice(0, 16)}-${f.hex.length}.txt`);
    await writeFile(file, `${f.target} ${f.hex}\n${f.kind} over ${f.transport}\n`);
    files.push(file);
  }
  return files;
}
