import { readFileSync, statSync } from 'node:fs';
import { canonicalAddress, canonicalName } from './names.js';

/** A name-to-addresses table read from a hosts(5) file, consulted without a resolver thread. */
export interface HostsTable {
  /** The file's addresses for a name (canonical, in file order), or undefined when it has none. */
  lookup(name: string): string[] | undefined;
}

/** Parses hosts(5) text: `ADDRESS NAME [ALIAS...]`, `#` comments. Names fold like canonicalName. */
export function parseHosts(text: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const address = canonicalAddress(fields[0]!);
    if (address === null) continue;
    for (let i = 1; i < fields.length; i++) {
      const name = canonicalName(fields[i]!);
      const list = table.get(name);
      if (!list) table.set(name, [address]);
      else if (!list.includes(address)) list.push(address);
    }
  }
  return table;
}

/**
 * True when nsswitch.conf(5) makes the hosts file the first source of host names (`hosts: files
 * ...`), so answering from the file first gives what getaddrinfo would.
 */
export function filesFirst(nsswitchText: string): boolean {
  for (const raw of nsswitchText.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^hosts\s*:\s*(\S+)/.exec(line);
    if (m) return m[1] === 'files';
  }
  return false;
}

/**
 * The hosts file as a table, re-read when its modification time or size changes (checked at most
 * once per `recheckMs`). Reading is synchronous but happens only on a change; a lookup is a map
 * access. With thousands of peers named in /etc/hosts this spares one getaddrinfo per name, each
 * of which scans the whole file on one of libuv's few pool threads.
 */
export class HostsFile implements HostsTable {
  private table = new Map<string, string[]>();
  private stamp = '';
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path = '/etc/hosts',
    private readonly recheckMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  lookup(name: string): string[] | undefined {
    this.refresh();
    return this.table.get(canonicalName(name));
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      this.table = new Map();
      this.stamp = '';
      return;
    }
    if (stamp === this.stamp) return;
    try {
      this.table = parseHosts(readFileSync(this.path, 'latin1'));
      this.stamp = stamp;
    } catch {
      this.table = new Map();
    }
  }
}

/** The system's hosts file when nsswitch.conf puts files first, else null (ask the resolver). */
export function systemHostsTable(nsswitchPath = '/etc/nsswitch.conf'): HostsTable | null {
  try {
    return filesFirst(readFileSync(nsswitchPath, 'utf8')) ? new HostsFile() : null;
  } catch {
    return null;
  }
}
