import { SM_VERS_DEF } from '../../../src/proto/sm_inter.js';
import type { CapturedVector } from './captured.js';

/** Version 0 of the status program: what rpcinfo -u calls to learn the versions (PROG_MISMATCH). */
const SM_VERS0_DEF = { ...SM_VERS_DEF, vers: 0 };

/** Exchanges with Debian rpc.statd 2.6.2 (rpcinfo -u/-t, sm-notify, our client), captured with tshark on loopback in a network namespace. */
export const debianStatdVectors: CapturedVector[] = [
  {
    name: 'rpcinfo -u HOST status: NULL of version 0 to learn the versions',
    // tshark: reg.pcap frame 75: 127.0.0.1 → 127.0.0.1 STAT 82 V0 proc-0 Call
    //   Remote Procedure Call, Type:Call XID:0x6b00495a
    //       XID: 0x6b00495a (1795180890)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 0
    //       Procedure: proc-0 (0)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 0]
    //       [Procedure: proc-0 (0)]
    transport: 'udp',
    kind: 'call',
    def: SM_VERS0_DEF,
    proc: 'SM_NULL',
    header: { xid: 0x6b00495a, prog: 100024, vers: 0, proc: 0 },
    body: undefined,
    hex: `
      6b00495a  # xid = 0x6b00495a
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000000  # vers = 0
      00000000  # proc = 0
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: 'rpc.statd: PROG_MISMATCH, low 1 high 1',
    // tshark: reg.pcap frame 76: 127.0.0.1 → 127.0.0.1 STAT 74 V0 proc-0 Reply (Call In 75)
    //   Remote Procedure Call, Type:Reply XID:0x6b00495a
    //       XID: 0x6b00495a (1795180890)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 0]
    //       [Procedure: proc-0 (0)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 75]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: remote can't support version # (2)
    //       Program Version (Minimum): 1
    //       Program Version (Maximum): 1
    transport: 'udp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_NULL',
    header: { xid: 0x6b00495a, acceptStat: 2, low: 1, high: 1 },
    hex: `
      6b00495a  # xid = 0x6b00495a
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000002  # accept_stat = 2
      00000001  # mismatch_info.low = 1
      00000001  # mismatch_info.high = 1
    `,
  },
  {
    name: 'rpcinfo: NULL of version 1',
    // tshark: reg.pcap frame 77: 127.0.0.1 → 127.0.0.1 STAT 82 V1 NULL Call
    //   Remote Procedure Call, Type:Call XID:0x6b00495b
    //       XID: 0x6b00495b (1795180891)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: NULL (0)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NULL (0)]
    transport: 'udp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_NULL',
    header: { xid: 0x6b00495b, prog: 100024, vers: 1, proc: 0 },
    body: undefined,
    hex: `
      6b00495b  # xid = 0x6b00495b
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000000  # proc = 0
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: 'rpc.statd: NULL reply',
    // tshark: reg.pcap frame 78: 127.0.0.1 → 127.0.0.1 STAT 66 V1 NULL Reply (Call In 77)
    //   Remote Procedure Call, Type:Reply XID:0x6b00495b
    //       XID: 0x6b00495b (1795180891)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 1]
    //       [Procedure: NULL (0)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 77]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NULL (0)]
    transport: 'udp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_NULL',
    header: { xid: 0x6b00495b, acceptStat: 0 },
    body: undefined,
    hex: `
      6b00495b  # xid = 0x6b00495b
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
    `,
  },
  {
    name: 'rpcinfo -t: NULL of version 1 over TCP',
    // tshark: reg.pcap frame 90: 127.0.0.1 → 127.0.0.1 STAT 110 V1 NULL Call
    //   Remote Procedure Call, Type:Call XID:0xbf610723
    //       Fragment header: Last fragment, 40 bytes
    //       XID: 0xbf610723 (3210807075)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: NULL (0)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NULL (0)]
    transport: 'tcp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_NULL',
    header: { xid: 0xbf610723, prog: 100024, vers: 1, proc: 0 },
    body: undefined,
    hex: `
      80000028  # record mark: last fragment, 40 bytes (RFC 5531 §11)
      bf610723  # xid = 0xbf610723
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000000  # proc = 0
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: 'rpc.statd: NULL reply over TCP',
    // tshark: reg.pcap frame 94: 127.0.0.1 → 127.0.0.1 STAT 94 V1 NULL Reply (Call In 90)
    //   Remote Procedure Call, Type:Reply XID:0xbf610723
    //       Fragment header: Last fragment, 24 bytes
    //       XID: 0xbf610723 (3210807075)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 1]
    //       [Procedure: NULL (0)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 90]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NULL (0)]
    transport: 'tcp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_NULL',
    header: { xid: 0xbf610723, acceptStat: 0 },
    body: undefined,
    hex: `
      80000018  # record mark: last fragment, 24 bytes (RFC 5531 §11)
      bf610723  # xid = 0xbf610723
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
    `,
  },
  {
    name: 'sm-notify: SM_NOTIFY with the monitored name',
    // tshark: reg.pcap frame 107: 127.0.0.1 → 127.0.0.1 STAT 102 V1 NOTIFY Call
    //   Remote Procedure Call, Type:Call XID:0x6b08cb8a
    //       XID: 0x6b08cb8a (1795738506)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: NOTIFY (6)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NOTIFY (6)]
    //       Status Change
    //           Monitor ID Name: 127.0.0.1
    //       State: 3
    transport: 'udp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_NOTIFY',
    header: { xid: 0x6b08cb8a, prog: 100024, vers: 1, proc: 6 },
    body: { mon_name: '127.0.0.1', state: 3 },
    hex: `
      6b08cb8a  # xid = 0x6b08cb8a
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000006  # proc = 6
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000009  # mon_name: length 9
      3132372e  #   "127."
      302e302e  #   "0.0."
      31000000  #   "1" + padding
      00000003  # state = 3
    `,
  },
  {
    name: 'rpc.statd: SM_NOTIFY reply (void)',
    // tshark: reg.pcap frame 108: 127.0.0.1 → 127.0.0.1 STAT 66 V1 NOTIFY Reply (Call In 107)
    //   Remote Procedure Call, Type:Reply XID:0x6b08cb8a
    //       XID: 0x6b08cb8a (1795738506)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 1]
    //       [Procedure: NOTIFY (6)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 107]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NOTIFY (6)]
    transport: 'udp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_NOTIFY',
    header: { xid: 0x6b08cb8a, acceptStat: 0 },
    body: undefined,
    hex: `
      6b08cb8a  # xid = 0x6b08cb8a
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
    `,
  },
  {
    name: 'sm-notify: SM_NOTIFY again with the short name',
    // tshark: reg.pcap frame 109: 127.0.0.1 → 127.0.0.1 STAT 94 V1 NOTIFY Call
    //   Remote Procedure Call, Type:Call XID:0x6b08cb8b
    //       XID: 0x6b08cb8b (1795738507)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: NOTIFY (6)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: NOTIFY (6)]
    //       Status Change
    //           Monitor ID Name: 127
    //       State: 3
    transport: 'udp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_NOTIFY',
    header: { xid: 0x6b08cb8b, prog: 100024, vers: 1, proc: 6 },
    body: { mon_name: '127', state: 3 },
    hex: `
      6b08cb8b  # xid = 0x6b08cb8b
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000006  # proc = 6
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000003  # mon_name: length 3
      31323700  #   "127" + padding
      00000003  # state = 3
    `,
  },
  {
    name: 'our client: SM_STAT of localhost over UDP',
    // tshark: more.pcap frame 11: 127.0.0.1 → 127.0.0.1 STAT 98 V1 STAT Call
    //   Remote Procedure Call, Type:Call XID:0x8767d7b3
    //       XID: 0x8767d7b3 (2271729587)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: STAT (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: STAT (1)]
    //       Name: localhost
    transport: 'udp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_STAT',
    header: { xid: 0x8767d7b3, prog: 100024, vers: 1, proc: 1 },
    body: { mon_name: 'localhost' },
    hex: `
      8767d7b3  # xid = 0x8767d7b3
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000009  # mon_name: length 9
      6c6f6361  #   "loca"
      6c686f73  #   "lhos"
      74000000  #   "t" + padding
    `,
  },
  {
    name: 'rpc.statd: SM_STAT reply, stat_succ with its state number',
    // tshark: more.pcap frame 12: 127.0.0.1 → 127.0.0.1 STAT 74 V1 STAT Reply (Call In 11)
    //   Remote Procedure Call, Type:Reply XID:0x8767d7b3
    //       XID: 0x8767d7b3 (2271729587)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 1]
    //       [Procedure: STAT (1)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 11]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: STAT (1)]
    //       Status Result
    //           Result: STAT_SUCC (0)
    //           State: 3
    transport: 'udp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_STAT',
    header: { xid: 0x8767d7b3, acceptStat: 0 },
    body: { res_stat: 0, state: 3 },
    hex: `
      8767d7b3  # xid = 0x8767d7b3
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000000  # res_stat (0 = stat_succ) = 0
      00000003  # state = 3
    `,
  },
  {
    name: 'our client: SM_STAT of localhost over TCP',
    // tshark: more.pcap frame 16: 127.0.0.1 → 127.0.0.1 STAT 126 V1 STAT Call
    //   Remote Procedure Call, Type:Call XID:0xcd26bfd8
    //       Fragment header: Last fragment, 56 bytes
    //       XID: 0xcd26bfd8 (3441868760)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: STAT (100024)
    //       Program Version: 1
    //       Procedure: STAT (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: STAT (1)]
    //       Name: localhost
    transport: 'tcp',
    kind: 'call',
    def: SM_VERS_DEF,
    proc: 'SM_STAT',
    header: { xid: 0xcd26bfd8, prog: 100024, vers: 1, proc: 1 },
    body: { mon_name: 'localhost' },
    hex: `
      80000038  # record mark: last fragment, 56 bytes (RFC 5531 §11)
      cd26bfd8  # xid = 0xcd26bfd8
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000009  # mon_name: length 9
      6c6f6361  #   "loca"
      6c686f73  #   "lhos"
      74000000  #   "t" + padding
    `,
  },
  {
    name: 'rpc.statd: SM_STAT reply over TCP',
    // tshark: more.pcap frame 18: 127.0.0.1 → 127.0.0.1 STAT 102 V1 STAT Reply (Call In 16)
    //   Remote Procedure Call, Type:Reply XID:0xcd26bfd8
    //       Fragment header: Last fragment, 32 bytes
    //       XID: 0xcd26bfd8 (3441868760)
    //       Message Type: Reply (1)
    //       [Program: STAT (100024)]
    //       [Program Version: 1]
    //       [Procedure: STAT (1)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 16]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Network Status Monitor Protocol
    //       [Program Version: 1]
    //       [V1 Procedure: STAT (1)]
    //       Status Result
    //           Result: STAT_SUCC (0)
    //           State: 3
    transport: 'tcp',
    kind: 'reply',
    def: SM_VERS_DEF,
    proc: 'SM_STAT',
    header: { xid: 0xcd26bfd8, acceptStat: 0 },
    body: { res_stat: 0, state: 3 },
    hex: `
      80000020  # record mark: last fragment, 32 bytes (RFC 5531 §11)
      cd26bfd8  # xid = 0xcd26bfd8
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000000  # res_stat (0 = stat_succ) = 0
      00000003  # state = 3
    `,
  },
];
