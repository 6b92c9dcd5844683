import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { lookupUser } from './users.js';

/** Programs the interop tests run, and the Debian package of each. */
export const INTEROP_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  unshare: 'util-linux',
  mount: 'mount',
  getent: 'libc-bin',
  rpcbind: 'rpcbind',
  rpcinfo: 'rpcbind',
  'rpc.statd': 'nfs-common',
  'sm-notify': 'nfs-common',
};

/** Absolute path of `cmd` on PATH (plus the sbin dirs), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when running in CI (the CI environment variable is "true" or "1"). */
export function inCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** What is missing for interop tests (root, tools, the statd user); empty when all is there. */
export function interopMissing(tools: readonly string[] = Object.keys(INTEROP_TOOLS)): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces need it)');
  for (const t of tools) {
    if (!which(t)) missing.push(`${t} (Debian package ${INTEROP_TOOLS[t] ?? t})`);
  }
  if (tools.includes('rpc.statd') && !lookupUser('statd')) missing.push('user statd (created by nfs-common)');
  return missing;
}

/** Raised in CI when interop tests cannot run: CI must never skip them silently. */
export class InteropUnavailableError extends Error {
  override readonly name = 'InteropUnavailableError';
  readonly code = 'ERR_HARNESS_UNAVAILABLE';
}

/**
 * For `test(name, { skip: interopSkip() }, fn)` or `describe(...)`: a skip reason when the interop
 * prerequisites are missing, else false. In CI a missing prerequisite throws instead, so the test
 * file fails rather than skipping. Run `bash scripts/install-deps.sh` as root to install them.
 */
export function interopSkip(tools?: readonly string[]): string | false {
  const missing = interopMissing(tools);
  if (missing.length === 0) return false;
  const reason = `interop test needs: ${missing.join(', ')}; run as root after scripts/install-deps.sh`;
  if (inCi()) throw new InteropUnavailableError(`CI=true but ${reason}`);
  return reason;
}

/** Minimal view of node:test's TestContext, so this works with t from test() and it(). */
export interface SkippableContext {
  skip(message?: string): void;
}

/**
 * Inside a test: `if (skipUnlessInterop(t)) return;` marks the test skipped with a clear message
 * when prerequisites are missing (and throws in CI, see {@link interopSkip}).
 */
export function skipUnlessInterop(t: SkippableContext, tools?: readonly string[]): boolean {
  const reason = interopSkip(tools);
  if (reason === false) return false;
  t.skip(reason);
  return true;
}

/** `if (requireRoot(t)) return;` skips a test that only needs root (throws in CI when not root). */
export function requireRoot(t: SkippableContext): boolean {
  return skipUnlessInterop(t, []);
}
