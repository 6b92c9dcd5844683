import { readFileSync } from 'node:fs';

/** RPC program names as /etc/rpc lists them: a name, a number and aliases per line. */
export interface RpcNames {
  /** The primary name of a program number, or undefined. */
  nameOf(prog: number): string | undefined;
  /** The number of a name or alias, or undefined. */
  numberOf(name: string): number | undefined;
}

/** Well-known programs, used when /etc/rpc is missing (numbers from the RPC program number registry). */
const BUILTIN: ReadonlyArray<readonly [string, number, ...string[]]> = [
  ['portmapper', 100000, 'portmap', 'sunrpc', 'rpcbind'],
  ['rstatd', 100001, 'rstat', 'rup', 'perfmeter'],
  ['rusersd', 100002, 'rusers'],
  ['nfs', 100003, 'nfsprog'],
  ['ypserv', 100004, 'ypprog'],
  ['mountd', 100005, 'mount', 'showmount'],
  ['ypbind', 100007],
  ['walld', 100008, 'rwall', 'shutdown'],
  ['yppasswdd', 100009, 'yppasswd'],
  ['rquotad', 100011, 'rquotaprog', 'quota', 'rquota'],
  ['sprayd', 100012, 'spray'],
  ['nlockmgr', 100021],
  ['status', 100024],
  ['bootparam', 100026],
  ['keyserv', 100029, 'keyserver'],
  ['nfs_acl', 100227],
];

class NameTable implements RpcNames {
  private readonly byNumber = new Map<number, string>();
  private readonly byName = new Map<string, number>();

  add(name: string, prog: number, aliases: readonly string[]): void {
    // The first line for a number wins, as a sequential scan of /etc/rpc would find it.
    if (!this.byNumber.has(prog)) this.byNumber.set(prog, name);
    for (const n of [name, ...aliases]) if (!this.byName.has(n)) this.byName.set(n, prog);
  }

  nameOf(prog: number): string | undefined {
    return this.byNumber.get(prog);
  }

  numberOf(name: string): number | undefined {
    return this.byName.get(name);
  }
}

/** Parses /etc/rpc text (rpc(5)): `name number aliases...`, `#` starts a comment; bad lines are skipped. */
export function parseRpcNames(text: string): RpcNames {
  const table = new NameTable();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, num, ...aliases] = line.split(/\s+/);
    if (!name || !num || !/^[0-9]+$/.test(num)) continue;
    const prog = Number(num);
    if (prog > 0xffffffff) continue;
    table.add(name, prog, aliases);
  }
  return table;
}

/** The built-in table of well-known program names. */
export function builtinRpcNames(): RpcNames {
  const table = new NameTable();
  for (const [name, prog, ...aliases] of BUILTIN) table.add(name, prog, aliases);
  return table;
}

/** Loads program names from a file (default /etc/rpc), falling back to the built-in table when it cannot be read. */
export function loadRpcNames(path = '/etc/rpc'): RpcNames {
  try {
    return parseRpcNames(readFileSync(path, 'latin1'));
  } catch {
    return builtinRpcNames();
  }
}
