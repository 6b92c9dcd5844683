#!/usr/bin/env node
// Builds the optional Node-API addons of native/ (binding.gyp) into dist/native/ with node-gyp
// against the headers of the running node, offline:
//   nsmd_udp.node  batched UDP I/O for RpcServer (native/udp; else node:dgram)
//   nsmd_fs.node   one group commit's file work in one worker for FsStore (native/fs; else node:fs)
// Without a compiler (or on another OS) it prints one line and succeeds: both fall back to Node's
// own APIs. NSMD_NATIVE_REQUIRED=1 makes that a failure (CI); NSMD_NATIVE_BUILD=0 skips the build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'native');
const addons = ['nsmd_udp', 'nsmd_fs'];
const built = (name) => join(src, 'build', 'Release', `${name}.node`);
const out = (name) => join(root, 'dist', 'native', `${name}.node`);
const sourceFiles = ['binding.gyp', 'udp/udp.cc', 'fs/fs.cc'];
const logFile = join(src, 'build', 'build.log');
const required = process.env.NSMD_NATIVE_REQUIRED === '1';

function skip(reason) {
  const line = `native addons not built: ${reason}; RpcServer uses node:dgram, FsStore node:fs`;
  if (required) {
    console.error(`${line} (NSMD_NATIVE_REQUIRED=1)`);
    process.exit(1);
  }
  console.log(line);
  process.exit(0);
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, cmd))) return true;
  }
  return false;
}

if (process.env.NSMD_NATIVE_BUILD === '0') skip('NSMD_NATIVE_BUILD=0');
if (process.platform !== 'linux') skip(`recvmmsg/sendmmsg are Linux only (this is ${process.platform})`);

const newestSource = Math.max(...sourceFiles.map((f) => statSync(join(src, f)).mtimeMs));
if (addons.every((a) => existsSync(out(a)) && statSync(out(a)).mtimeMs >= newestSource)) {
  console.log('native addons: up to date (dist/native)');
  process.exit(0);
}
// A copy from an older build must not outlive a failed one.
for (const a of addons) rmSync(out(a), { force: true });

// make's default C++ compiler is g++; a system with only c++ gets it through CXX.
const cxx = process.env.CXX ?? (onPath('g++') ? 'g++' : onPath('c++') ? 'c++' : undefined);
const missing = [];
if (cxx === undefined) missing.push('g++');
if (!onPath('make')) missing.push('make');
if (!onPath('python3') && process.env.PYTHON === undefined) missing.push('python3');
if (missing.length > 0) skip(`${missing.join(', ')} not found (apt-get install g++ make python3)`);

// Headers of the running node; node-gyp would otherwise download them.
const nodedir = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].find(
  (d) => d !== undefined && d !== '' && existsSync(join(d, 'include', 'node', 'node_api.h')),
);
if (nodedir === undefined) skip(`no node headers (include/node/node_api.h) beside ${process.execPath}`);

// node-gyp ships with npm.
const npmDirs = [
  process.env.npm_execpath && resolve(dirname(process.env.npm_execpath), '..'),
  resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
];
const gyp = npmDirs
  .filter((d) => typeof d === 'string')
  .map((d) => join(d, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  .find((p) => existsSync(p));
if (gyp === undefined) skip('node-gyp not found (it comes with npm)');

const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: src,
  encoding: 'utf8',
  env: { ...process.env, CXX: cxx, npm_config_nodedir: nodedir },
});
const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
if (r.status !== 0 || !addons.every((a) => existsSync(built(a)))) {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, output);
  skip(`node-gyp failed (see ${logFile.slice(root.length + 1)})`);
}
mkdirSync(join(root, 'dist', 'native'), { recursive: true });
for (const a of addons) copyFileSync(built(a), out(a));
console.log(`native addons: built ${addons.map((a) => `dist/native/${a}.node`).join(', ')}`);
