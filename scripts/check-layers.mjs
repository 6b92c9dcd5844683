#!/usr/bin/env node
// Checks that imports between the layers of src/ only point downwards (DESIGN.md: xdr, proto, rpc,
// rpcbind, store, nsm, nlm, ports, cli, bottom to top). Prints each upward import; exit 1 if any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS = ['xdr', 'proto', 'rpc', 'rpcbind', 'store', 'nsm', 'nlm', 'ports', 'cli'];
const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
const rank = (file) => LAYERS.indexOf(relative(root, file).split('/')[0]);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

let bad = 0;
for (const file of files(root)) {
  const from = rank(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]);
    if (!target.startsWith(root)) continue;
    const to = rank(target);
    if (from >= 0 && to > from) {
      console.error(`upward import: ${relative(root, file)} -> ${relative(root, target)}`);
      bad++;
    }
  }
}
if (bad) {
  console.error(`${bad} upward import(s): the layers are ${LAYERS.join(' < ')}`);
  process.exit(1);
}
console.log(`layers ok: ${LAYERS.join(' < ')}`);
