import {
  NLM4_VERS_DEF,
  type nlm4_lock,
  PMAPVERS_DEF,
  RPCBVERS_DEF,
  RPCBVERS4_DEF,
  SM_VERS_DEF,
} from '../../src/proto/index.js';
import { encodeCallHeader } from '../../src/rpc/index.js';
import { type ProgramDef, XdrWriter } from '../../src/xdr/index.js';

/** A valid call that the fuzzer mutates. */
export interface Seed {
  label: string;
  prog: number;
  vers: number;
  proc: number;
  /** The whole call message (header and arguments), as sent over UDP. */
  message: Buffer;
}

/** Which daemon a seed is aimed at. */
export type FuzzProgram = 'nsm' | 'nlm' | 'rpcbind';

function call<P extends ProgramDef>(
  def: P,
  procName: keyof P['procs'] & string,
  args: unknown,
  xid: number,
): Seed {
  const proc = def.procs[procName]!;
  const w = new XdrWriter();
  encodeCallHeader(w, { xid, prog: def.prog, vers: def.vers, proc: proc.proc });
  proc.args.encode(w, args);
  return {
    label: `${def.name}.${procName}`,
    prog: def.prog,
    vers: def.vers,
    proc: proc.proc,
    message: w.toBuffer(),
  };
}

const PRIV = new Uint8Array(16).fill(7);
const MY_ID = { my_name: '127.0.0.1', my_prog: 100021, my_vers: 4, my_proc: 16 };

function lock(n: number): nlm4_lock {
  return {
    caller_name: 'fuzz-client',
    fh: Buffer.from(`file-${n}`),
    oh: Buffer.from(`owner-${n}`),
    svid: n,
    l_offset: BigInt(n * 10),
    l_len: 10n,
  };
}

/** Valid calls of every procedure a program's daemon serves, to mutate from. */
export function seedsFor(program: FuzzProgram): Seed[] {
  let xid = 0x5eed0000;
  const next = () => xid++;
  switch (program) {
    case 'nsm':
      return [
        call(SM_VERS_DEF, 'SM_NULL', undefined, next()),
        call(SM_VERS_DEF, 'SM_STAT', { mon_name: 'peer.example' }, next()),
        call(
          SM_VERS_DEF,
          'SM_MON',
          { mon_id: { mon_name: 'fuzz-peer-1', my_id: MY_ID }, priv: PRIV },
          next(),
        ),
        call(SM_VERS_DEF, 'SM_UNMON', { mon_name: 'fuzz-peer-1', my_id: MY_ID }, next()),
        call(SM_VERS_DEF, 'SM_UNMON_ALL', MY_ID, next()),
        call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: 'fuzz-peer-2', state: 3 }, next()),
      ];
    case 'nlm': {
      const cookie = Buffer.from('cookie');
      return [
        call(NLM4_VERS_DEF, 'NLMPROC4_NULL', undefined, next()),
        call(NLM4_VERS_DEF, 'NLMPROC4_TEST', { cookie, exclusive: true, alock: lock(1) }, next()),
        call(
          NLM4_VERS_DEF,
          'NLMPROC4_LOCK',
          { cookie, block: false, exclusive: true, alock: lock(2), reclaim: false, state: 1 },
          next(),
        ),
        call(
          NLM4_VERS_DEF,
          'NLMPROC4_CANCEL',
          { cookie, block: true, exclusive: true, alock: lock(3) },
          next(),
        ),
        call(NLM4_VERS_DEF, 'NLMPROC4_UNLOCK', { cookie, alock: lock(2) }, next()),
        call(
          NLM4_VERS_DEF,
          'NLMPROC4_SHARE',
          {
            cookie,
            share: {
              caller_name: 'fuzz-client',
              fh: Buffer.from('f'),
              oh: Buffer.from('o'),
              mode: 0,
              access: 1,
            },
            reclaim: false,
          },
          next(),
        ),
        call(NLM4_VERS_DEF, 'NLMPROC4_FREE_ALL', { name: 'fuzz-client', state: 5 }, next()),
      ];
    }
    case 'rpcbind':
      return [
        call(PMAPVERS_DEF, 'PMAPPROC_NULL', undefined, next()),
        call(PMAPVERS_DEF, 'PMAPPROC_GETPORT', { prog: 100024, vers: 1, prot: 17, port: 0 }, next()),
        call(PMAPVERS_DEF, 'PMAPPROC_SET', { prog: 300001, vers: 1, prot: 17, port: 4000 }, next()),
        call(PMAPVERS_DEF, 'PMAPPROC_DUMP', undefined, next()),
        call(
          RPCBVERS_DEF,
          'RPCBPROC_GETADDR',
          { r_prog: 100024, r_vers: 1, r_netid: 'udp', r_addr: '', r_owner: '' },
          next(),
        ),
        call(
          RPCBVERS4_DEF,
          'RPCBPROC_SET',
          { r_prog: 300002, r_vers: 1, r_netid: 'tcp', r_addr: '127.0.0.1.15.160', r_owner: 'fuzz' },
          next(),
        ),
        call(RPCBVERS4_DEF, 'RPCBPROC_DUMP', undefined, next()),
      ];
  }
}
