import { readFile } from 'node:fs/promises';

/** Errors of configuration files, with stable codes. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: 'ERR_NSM_CONFIG',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What the `[statd]` section of an nfs.conf-style file may set (nfs.conf(5) key names). */
export interface StatdConfig {
  port?: number;
  outgoingPort?: number;
  names?: string[];
  stateDir?: string;
  haCallout?: string;
  noNotify?: boolean;
}

/**
 * Parses nfs.conf-style text (nfs.conf(5)): `[section]` headers, `key = value` lines, `#` and `;`
 * comments, keys case-insensitive. Returns section -> key -> value (the last value of a key wins,
 * all of them in `multi`).
 */
export function parseConf(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*([^\]\s]+)(?:\s+"[^"]*")?\s*\]$/.exec(line);
    if (head) {
      const name = head[1]!.toLowerCase();
      section = out.get(name) ?? new Map();
      out.set(name, section);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new ConfigError('ERR_NSM_CONFIG', `line ${i + 1}: expected 'key = value' or '[section]'`);
    if (!section) continue; // keys before any section belong to none we read
    let value = kv[2]!.replace(/\s+[#;].*$/, '').trim();
    if (/^".*"$/.test(value)) value = value.slice(1, -1);
    const key = kv[1]!.trim().toLowerCase();
    const list = section.get(key) ?? [];
    list.push(value);
    section.set(key, list);
  }
  return out;
}

function bool(v: string, key: string): boolean {
  if (/^(1|y|yes|t|true|on)$/i.test(v)) return true;
  if (/^(0|n|no|f|false|off)$/i.test(v)) return false;
  throw new ConfigError('ERR_NSM_CONFIG', `[statd] ${key}: not a boolean: ${v}`);
}

function port(v: string, key: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new ConfigError('ERR_NSM_CONFIG', `[statd] ${key}: not a port: ${v}`);
  return Number(v);
}

/** The `[statd]` settings of nfs.conf-style text. Unknown keys are ignored, as nfs-utils does. */
export function statdConfigFrom(text: string): StatdConfig {
  const statd = parseConf(text).get('statd');
  const out: StatdConfig = {};
  if (!statd) return out;
  const last = (k: string) => statd.get(k)?.at(-1);
  const p = last('port');
  if (p !== undefined && p !== '') out.port = port(p, 'port');
  const op = last('outgoing-port');
  if (op !== undefined && op !== '') out.outgoingPort = port(op, 'outgoing-port');
  const names = statd.get('name');
  if (names?.length) out.names = names.flatMap((n) => n.split(/[\s,]+/)).filter((n) => n !== '');
  const dir = last('state-directory-path');
  if (dir) out.stateDir = dir;
  const ha = last('ha-callout');
  if (ha) out.haCallout = ha;
  const nn = last('no-notify');
  if (nn !== undefined && nn !== '') out.noNotify = bool(nn, 'no-notify');
  return out;
}

/** Reads the `[statd]` section of a file; one clear error when it cannot. */
export async function loadStatdConfig(path: string): Promise<StatdConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('ERR_NSM_CONFIG', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return statdConfigFrom(text);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError('ERR_NSM_CONFIG', `${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
