import { PMAPVERS_DEF, RPCBVERS_DEF, RPCBVERS4_DEF } from '../../../src/proto/rpcb_prot.js';
import type { CapturedVector } from './captured.js';

/** Exchanges with Debian rpcbind 1.2.6 (rpc.statd registering, rpcinfo, sm-notify, our client), captured with tshark on loopback in a network namespace. */
export const debianRpcbindVectors: CapturedVector[] = [
  {
    name: 'rpc.statd at start: portmap v2 GETPORT for status over UDP (is another statd registered?)',
    // tshark: reg.pcap frame 1: 127.0.0.1 → 127.0.0.1 Portmap 98 V2 GETPORT Call STAT(100024) V:1 UDP
    //   Remote Procedure Call, Type:Call XID:0x6b008cb6
    //       XID: 0x6b008cb6 (1795198134)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 2
    //       Procedure: GETPORT (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap GETPORT Call STAT(100024) Version:1 UDP
    //       [Program Version: 2]
    //       [V2 Procedure: GETPORT (3)]
    //       Program: STAT (100024)
    //       Version: 1
    //       Proto: UDP (17)
    //       Port: 0
    transport: 'udp',
    kind: 'call',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_GETPORT',
    header: { xid: 0x6b008cb6, prog: 100000, vers: 2, proc: 3 },
    body: { prog: 100024, vers: 1, prot: 17, port: 0 },
    hex: `
      6b008cb6  # xid = 0x6b008cb6
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000002  # vers = 2
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000011  # prot = 17
      00000000  # port = 0
    `,
  },
  {
    name: 'rpcbind: GETPORT reply, port 0 = not registered',
    // tshark: reg.pcap frame 2: 127.0.0.1 → 127.0.0.1 Portmap 70 V2 GETPORT Reply (Call In 1) PROGRAM_NOT_AVAILABLE
    //   Remote Procedure Call, Type:Reply XID:0x6b008cb6
    //       XID: 0x6b008cb6 (1795198134)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 2]
    //       [Procedure: GETPORT (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 1]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap GETPORT Reply Port:0 PROGRAM_NOT_AVAILABLE
    //       [Program Version: 2]
    //       [V2 Procedure: GETPORT (3)]
    //       Port: 0
    transport: 'udp',
    kind: 'reply',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_GETPORT',
    header: { xid: 0x6b008cb6, acceptStat: 0 },
    body: 0,
    hex: `
      6b008cb6  # xid = 0x6b008cb6
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000000  # unsigned int = 0
    `,
  },
  {
    name: 'rpc.statd: rpcbind v4 UNSET of status v1, every netid, over TCP/IPv6 (no /run/rpcbind.sock)',
    // tshark: reg.pcap frame 6: ::1 → ::1 Portmap 154 V4 UNSET Call
    //   Remote Procedure Call, Type:Call XID:0x83d89e93
    //       Fragment header: Last fragment, 64 bytes
    //       XID: 0x83d89e93 (2212011667)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: UNSET (2)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: UNSET (2)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_UNSET',
    header: { xid: 0x83d89e93, prog: 100000, vers: 4, proc: 2 },
    body: { r_prog: 100024, r_vers: 1, r_netid: '', r_addr: '', r_owner: '0' },
    hex: `
      80000040  # record mark: last fragment, 64 bytes (RFC 5531 §11)
      83d89e93  # xid = 0x83d89e93
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000002  # proc = 2
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000000  # r_netid: length 0
      00000000  # r_addr: length 0
      00000001  # r_owner: length 1
      30000000  #   "0" + padding
    `,
  },
  {
    name: 'rpcbind: v4 UNSET reply',
    // tshark: reg.pcap frame 8: ::1 → ::1 Portmap 118 V4 UNSET Reply (Call In 6)
    //   Remote Procedure Call, Type:Reply XID:0x83d89e93
    //       Fragment header: Last fragment, 28 bytes
    //       XID: 0x83d89e93 (2212011667)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: UNSET (2)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 6]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: UNSET (2)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_UNSET',
    header: { xid: 0x83d89e93, acceptStat: 0 },
    body: true,
    hex: `
      8000001c  # record mark: last fragment, 28 bytes (RFC 5531 §11)
      83d89e93  # xid = 0x83d89e93
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000001  # bool = 1
    `,
  },
  {
    name: 'rpc.statd: v4 SET status v1 on udp (owner = its uid)',
    // tshark: reg.pcap frame 16: ::1 → ::1 Portmap 174 V4 SET Call
    //   Remote Procedure Call, Type:Call XID:0x83d89fa3
    //       Fragment header: Last fragment, 84 bytes
    //       XID: 0x83d89fa3 (2212011939)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: SET (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: SET (1)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_SET',
    header: { xid: 0x83d89fa3, prog: 100000, vers: 4, proc: 1 },
    body: { r_prog: 100024, r_vers: 1, r_netid: 'udp', r_addr: '0.0.0.0.127.253', r_owner: '103' },
    hex: `
      80000054  # record mark: last fragment, 84 bytes (RFC 5531 §11)
      83d89fa3  # xid = 0x83d89fa3
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000003  # r_netid: length 3
      75647000  #   "udp" + padding
      0000000f  # r_addr: length 15
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      3132372e  #   "127."
      32353300  #   "253" + padding
      00000003  # r_owner: length 3
      31303300  #   "103" + padding
    `,
  },
  {
    name: 'rpcbind: v4 SET reply',
    // tshark: reg.pcap frame 18: ::1 → ::1 Portmap 118 V4 SET Reply (Call In 16)
    //   Remote Procedure Call, Type:Reply XID:0x83d89fa3
    //       Fragment header: Last fragment, 28 bytes
    //       XID: 0x83d89fa3 (2212011939)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: SET (1)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 16]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: SET (1)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_SET',
    header: { xid: 0x83d89fa3, acceptStat: 0 },
    body: true,
    hex: `
      8000001c  # record mark: last fragment, 28 bytes (RFC 5531 §11)
      83d89fa3  # xid = 0x83d89fa3
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000001  # bool = 1
    `,
  },
  {
    name: 'rpc.statd: v4 SET status v1 on tcp',
    // tshark: reg.pcap frame 26: ::1 → ::1 Portmap 174 V4 SET Call
    //   Remote Procedure Call, Type:Call XID:0x83d89c73
    //       Fragment header: Last fragment, 84 bytes
    //       XID: 0x83d89c73 (2212011123)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: SET (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: SET (1)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_SET',
    header: { xid: 0x83d89c73, prog: 100000, vers: 4, proc: 1 },
    body: { r_prog: 100024, r_vers: 1, r_netid: 'tcp', r_addr: '0.0.0.0.127.253', r_owner: '103' },
    hex: `
      80000054  # record mark: last fragment, 84 bytes (RFC 5531 §11)
      83d89c73  # xid = 0x83d89c73
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000003  # r_netid: length 3
      74637000  #   "tcp" + padding
      0000000f  # r_addr: length 15
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      3132372e  #   "127."
      32353300  #   "253" + padding
      00000003  # r_owner: length 3
      31303300  #   "103" + padding
    `,
  },
  {
    name: 'rpc.statd: v4 SET status v1 on udp6',
    // tshark: reg.pcap frame 36: ::1 → ::1 Portmap 170 V4 SET Call
    //   Remote Procedure Call, Type:Call XID:0x83d89dc0
    //       Fragment header: Last fragment, 80 bytes
    //       XID: 0x83d89dc0 (2212011456)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: SET (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: SET (1)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_SET',
    header: { xid: 0x83d89dc0, prog: 100000, vers: 4, proc: 1 },
    body: { r_prog: 100024, r_vers: 1, r_netid: 'udp6', r_addr: '::.127.253', r_owner: '103' },
    hex: `
      80000050  # record mark: last fragment, 80 bytes (RFC 5531 §11)
      83d89dc0  # xid = 0x83d89dc0
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000004  # r_netid: length 4
      75647036  #   "udp6"
      0000000a  # r_addr: length 10
      3a3a2e31  #   "::.1"
      32372e32  #   "27.2"
      35330000  #   "53" + padding
      00000003  # r_owner: length 3
      31303300  #   "103" + padding
    `,
  },
  {
    name: 'rpc.statd: v4 SET status v1 on tcp6',
    // tshark: reg.pcap frame 46: ::1 → ::1 Portmap 170 V4 SET Call
    //   Remote Procedure Call, Type:Call XID:0x83d89da5
    //       Fragment header: Last fragment, 80 bytes
    //       XID: 0x83d89da5 (2212011429)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: SET (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: SET (1)]
    //       Unknown RPC call/reply body
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_SET',
    header: { xid: 0x83d89da5, prog: 100000, vers: 4, proc: 1 },
    body: { r_prog: 100024, r_vers: 1, r_netid: 'tcp6', r_addr: '::.127.253', r_owner: '103' },
    hex: `
      80000050  # record mark: last fragment, 80 bytes (RFC 5531 §11)
      83d89da5  # xid = 0x83d89da5
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000004  # r_netid: length 4
      74637036  #   "tcp6"
      0000000a  # r_addr: length 10
      3a3a2e31  #   "::.1"
      32372e32  #   "27.2"
      35330000  #   "53" + padding
      00000003  # r_owner: length 3
      31303300  #   "103" + padding
    `,
  },
  {
    name: 'rpcinfo -p 127.0.0.1: first a v4 GETADDR of portmapper v2 on tcp',
    // tshark: reg.pcap frame 56: 127.0.0.1 → 127.0.0.1 Portmap 158 V4 GETADDR Call
    //   Remote Procedure Call, Type:Call XID:0xa9624dad
    //       Fragment header: Last fragment, 88 bytes
    //       XID: 0xa9624dad (2841791917)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: GETADDR (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 2
    //           Network Id: tcp
    //           Universal Address: 127.0.0.1.0.111
    //           Owner of this Service: libtirpc
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0xa9624dad, prog: 100000, vers: 4, proc: 3 },
    body: { r_prog: 100000, r_vers: 2, r_netid: 'tcp', r_addr: '127.0.0.1.0.111', r_owner: 'libtirpc' },
    hex: `
      80000058  # record mark: last fragment, 88 bytes (RFC 5531 §11)
      a9624dad  # xid = 0xa9624dad
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186a0  # r_prog = 100000
      00000002  # r_vers = 2
      00000003  # r_netid: length 3
      74637000  #   "tcp" + padding
      0000000f  # r_addr: length 15
      3132372e  #   "127."
      302e302e  #   "0.0."
      312e302e  #   "1.0."
      31313100  #   "111" + padding
      00000008  # r_owner: length 8
      6c696274  #   "libt"
      69727063  #   "irpc"
    `,
  },
  {
    name: 'rpcbind: GETADDR reply (wildcard merged into 127.0.0.1)',
    // tshark: reg.pcap frame 58: 127.0.0.1 → 127.0.0.1 Portmap 114 V4 GETADDR Reply (Call In 56)
    //   Remote Procedure Call, Type:Reply XID:0xa9624dad
    //       Fragment header: Last fragment, 44 bytes
    //       XID: 0xa9624dad (2841791917)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: GETADDR (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 56]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       Universal Address: 127.0.0.1.0.111
    transport: 'tcp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0xa9624dad, acceptStat: 0 },
    body: '127.0.0.1.0.111',
    hex: `
      8000002c  # record mark: last fragment, 44 bytes (RFC 5531 §11)
      a9624dad  # xid = 0xa9624dad
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      0000000f  # string: length 15
      3132372e  #   "127."
      302e302e  #   "0.0."
      312e302e  #   "1.0."
      31313100  #   "111" + padding
    `,
  },
  {
    name: 'rpcinfo -p: portmap v2 DUMP call over TCP',
    // tshark: reg.pcap frame 64: 127.0.0.1 → 127.0.0.1 Portmap 110 V2 DUMP Call
    //   Remote Procedure Call, Type:Call XID:0xa96242dd
    //       Fragment header: Last fragment, 40 bytes
    //       XID: 0xa96242dd (2841789149)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 2
    //       Procedure: DUMP (4)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 2]
    //       [V2 Procedure: DUMP (4)]
    transport: 'tcp',
    kind: 'call',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_DUMP',
    header: { xid: 0xa96242dd, prog: 100000, vers: 2, proc: 4 },
    body: undefined,
    hex: `
      80000028  # record mark: last fragment, 40 bytes (RFC 5531 §11)
      a96242dd  # xid = 0xa96242dd
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000002  # vers = 2
      00000004  # proc = 4
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: "rpcbind: v2 DUMP reply, rpcbind's own v2-v4 entries and rpc.statd's",
    // tshark: reg.pcap frame 68: 127.0.0.1 → 127.0.0.1 Portmap 258 V2 DUMP Reply (Call In 64)
    //   Remote Procedure Call, Type:Reply XID:0xa96242dd
    //       Fragment header: Last fragment, 188 bytes
    //       XID: 0xa96242dd (2841789149)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 2]
    //       [Procedure: DUMP (4)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 64]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 2]
    //       [V2 Procedure: DUMP (4)]
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V4
    //           Program: Portmap (100000)
    //           Version: 4
    //           Protocol: TCP (0x06)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V3
    //           Program: Portmap (100000)
    //           Version: 3
    //           Protocol: TCP (0x06)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V2
    //           Program: Portmap (100000)
    //           Version: 2
    //           Protocol: TCP (0x06)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V4
    //           Program: Portmap (100000)
    //           Version: 4
    //           Protocol: UDP (0x11)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V3
    //           Program: Portmap (100000)
    //           Version: 3
    //           Protocol: UDP (0x11)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: Portmap (100000) V2
    //           Program: Portmap (100000)
    //           Version: 2
    //           Protocol: UDP (0x11)
    //           Port: 111
    //       Value Follows: Yes
    //       Map Entry: STAT (100024) V1
    //           Program: STAT (100024)
    //           Version: 1
    //           Protocol: UDP (0x11)
    //           Port: 32765
    //       Value Follows: Yes
    //       Map Entry: STAT (100024) V1
    //           Program: STAT (100024)
    //           Version: 1
    //           Protocol: TCP (0x06)
    //           Port: 32765
    //       Value Follows: No
    transport: 'tcp',
    kind: 'reply',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_DUMP',
    header: { xid: 0xa96242dd, acceptStat: 0 },
    body: [
      { prog: 100000, vers: 4, prot: 6, port: 111 },
      { prog: 100000, vers: 3, prot: 6, port: 111 },
      { prog: 100000, vers: 2, prot: 6, port: 111 },
      { prog: 100000, vers: 4, prot: 17, port: 111 },
      { prog: 100000, vers: 3, prot: 17, port: 111 },
      { prog: 100000, vers: 2, prot: 17, port: 111 },
      { prog: 100024, vers: 1, prot: 17, port: 32765 },
      { prog: 100024, vers: 1, prot: 6, port: 32765 },
    ],
    hex: `
      800000bc  # record mark: last fragment, 188 bytes (RFC 5531 §11)
      a96242dd  # xid = 0xa96242dd
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000001  # value follows (optional-data) = 1
      000186a0  # [0].map.prog = 100000
      00000004  # [0].map.vers = 4
      00000006  # [0].map.prot = 6
      0000006f  # [0].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186a0  # [1].map.prog = 100000
      00000003  # [1].map.vers = 3
      00000006  # [1].map.prot = 6
      0000006f  # [1].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186a0  # [2].map.prog = 100000
      00000002  # [2].map.vers = 2
      00000006  # [2].map.prot = 6
      0000006f  # [2].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186a0  # [3].map.prog = 100000
      00000004  # [3].map.vers = 4
      00000011  # [3].map.prot = 17
      0000006f  # [3].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186a0  # [4].map.prog = 100000
      00000003  # [4].map.vers = 3
      00000011  # [4].map.prot = 17
      0000006f  # [4].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186a0  # [5].map.prog = 100000
      00000002  # [5].map.vers = 2
      00000011  # [5].map.prot = 17
      0000006f  # [5].map.port = 111
      00000001  # value follows (optional-data) = 1
      000186b8  # [6].map.prog = 100024
      00000001  # [6].map.vers = 1
      00000011  # [6].map.prot = 17
      00007ffd  # [6].map.port = 32765
      00000001  # value follows (optional-data) = 1
      000186b8  # [7].map.prog = 100024
      00000001  # [7].map.vers = 1
      00000006  # [7].map.prot = 6
      00007ffd  # [7].map.port = 32765
      00000000  # value follows (optional-data) = 0
    `,
  },
  {
    name: 'rpcinfo -u 127.0.0.1 status: v4 GETADDR of status version 0 over UDP',
    // tshark: reg.pcap frame 73: 127.0.0.1 → 127.0.0.1 Portmap 130 V4 GETADDR Call
    //   Remote Procedure Call, Type:Call XID:0x6b004ed1
    //       XID: 0x6b004ed1 (1795182289)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: GETADDR (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 0
    //           Network Id: udp
    //           Universal Address: 127.0.0.1.0.111
    //           Owner of this Service: libtirpc
    transport: 'udp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x6b004ed1, prog: 100000, vers: 4, proc: 3 },
    body: { r_prog: 100024, r_vers: 0, r_netid: 'udp', r_addr: '127.0.0.1.0.111', r_owner: 'libtirpc' },
    hex: `
      6b004ed1  # xid = 0x6b004ed1
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000000  # r_vers = 0
      00000003  # r_netid: length 3
      75647000  #   "udp" + padding
      0000000f  # r_addr: length 15
      3132372e  #   "127."
      302e302e  #   "0.0."
      312e302e  #   "1.0."
      31313100  #   "111" + padding
      00000008  # r_owner: length 8
      6c696274  #   "libt"
      69727063  #   "irpc"
    `,
  },
  {
    name: "rpcbind: GETADDR reply for version 0 gives version 1's address",
    // tshark: reg.pcap frame 74: 127.0.0.1 → 127.0.0.1 Portmap 90 V4 GETADDR Reply (Call In 73)
    //   Remote Procedure Call, Type:Reply XID:0x6b004ed1
    //       XID: 0x6b004ed1 (1795182289)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: GETADDR (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 73]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       Universal Address: 127.0.0.1.127.253
    transport: 'udp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x6b004ed1, acceptStat: 0 },
    body: '127.0.0.1.127.253',
    hex: `
      6b004ed1  # xid = 0x6b004ed1
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000011  # string: length 17
      3132372e  #   "127."
      302e302e  #   "0.0."
      312e3132  #   "1.12"
      372e3235  #   "7.25"
      33000000  #   "3" + padding
    `,
  },
  {
    name: 'rpcinfo -T udp6 ::1 status: v4 GETADDR over UDP/IPv6',
    // tshark: reg.pcap frame 99: ::1 → ::1 Portmap 146 V4 GETADDR Call
    //   Remote Procedure Call, Type:Call XID:0x6b006326
    //       XID: 0x6b006326 (1795187494)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: GETADDR (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 0
    //           Network Id: udp6
    //           Universal Address: ::1.0.111
    //           Owner of this Service: libtirpc
    transport: 'udp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x6b006326, prog: 100000, vers: 4, proc: 3 },
    body: { r_prog: 100024, r_vers: 0, r_netid: 'udp6', r_addr: '::1.0.111', r_owner: 'libtirpc' },
    hex: `
      6b006326  # xid = 0x6b006326
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000000  # r_vers = 0
      00000004  # r_netid: length 4
      75647036  #   "udp6"
      00000009  # r_addr: length 9
      3a3a312e  #   "::1."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000008  # r_owner: length 8
      6c696274  #   "libt"
      69727063  #   "irpc"
    `,
  },
  {
    name: 'rpcbind: GETADDR reply over IPv6, wildcard merged into ::1',
    // tshark: reg.pcap frame 100: ::1 → ::1 Portmap 102 V4 GETADDR Reply (Call In 99)
    //   Remote Procedure Call, Type:Reply XID:0x6b006326
    //       XID: 0x6b006326 (1795187494)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: GETADDR (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 99]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       Universal Address: ::1.127.253
    transport: 'udp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x6b006326, acceptStat: 0 },
    body: '::1.127.253',
    hex: `
      6b006326  # xid = 0x6b006326
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      0000000b  # string: length 11
      3a3a312e  #   "::1."
      3132372e  #   "127."
      32353300  #   "253" + padding
    `,
  },
  {
    name: "sm-notify: portmap v2 GETPORT of the peer's status over UDP",
    // tshark: reg.pcap frame 105: 127.0.0.1 → 127.0.0.1 Portmap 98 V2 GETPORT Call STAT(100024) V:1 UDP
    //   Remote Procedure Call, Type:Call XID:0x6b08cb89
    //       XID: 0x6b08cb89 (1795738505)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 2
    //       Procedure: GETPORT (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap GETPORT Call STAT(100024) Version:1 UDP
    //       [Program Version: 2]
    //       [V2 Procedure: GETPORT (3)]
    //       Program: STAT (100024)
    //       Version: 1
    //       Proto: UDP (17)
    //       Port: 0
    transport: 'udp',
    kind: 'call',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_GETPORT',
    header: { xid: 0x6b08cb89, prog: 100000, vers: 2, proc: 3 },
    body: { prog: 100024, vers: 1, prot: 17, port: 0 },
    hex: `
      6b08cb89  # xid = 0x6b08cb89
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000002  # vers = 2
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # prog = 100024
      00000001  # vers = 1
      00000011  # prot = 17
      00000000  # port = 0
    `,
  },
  {
    name: "rpcbind: GETPORT reply with rpc.statd's port",
    // tshark: reg.pcap frame 106: 127.0.0.1 → 127.0.0.1 Portmap 70 V2 GETPORT Reply (Call In 105) Port:32765
    //   Remote Procedure Call, Type:Reply XID:0x6b08cb89
    //       XID: 0x6b08cb89 (1795738505)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 2]
    //       [Procedure: GETPORT (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 105]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap GETPORT Reply Port:32765
    //       [Program Version: 2]
    //       [V2 Procedure: GETPORT (3)]
    //       Port: 32765
    transport: 'udp',
    kind: 'reply',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_GETPORT',
    header: { xid: 0x6b08cb89, acceptStat: 0 },
    body: 32765,
    hex: `
      6b08cb89  # xid = 0x6b08cb89
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00007ffd  # unsigned int = 32765
    `,
  },
  {
    name: 'rpcinfo 127.0.0.1: rpcbind v3 DUMP call over TCP',
    // tshark: more.pcap frame 4: 127.0.0.1 → 127.0.0.1 Portmap 110 V3 DUMP Call
    //   Remote Procedure Call, Type:Call XID:0xec4d1e7f
    //       Fragment header: Last fragment, 40 bytes
    //       XID: 0xec4d1e7f (3964477055)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 3
    //       Procedure: DUMP (4)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 3]
    //       [V3 Procedure: DUMP (4)]
    transport: 'tcp',
    kind: 'call',
    def: RPCBVERS_DEF,
    proc: 'RPCBPROC_DUMP',
    header: { xid: 0xec4d1e7f, prog: 100000, vers: 3, proc: 4 },
    body: undefined,
    hex: `
      80000028  # record mark: last fragment, 40 bytes (RFC 5531 §11)
      ec4d1e7f  # xid = 0xec4d1e7f
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000003  # vers = 3
      00000004  # proc = 4
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: "rpcbind: v3 DUMP reply (rpcbind's own entries incl. local, rpc.statd's four)",
    // tshark: more.pcap frame 6: 127.0.0.1 → 127.0.0.1 Portmap 970 V3 DUMP Reply (Call In 4)
    //   Remote Procedure Call, Type:Reply XID:0xec4d1e7f
    //       Fragment header: Last fragment, 900 bytes
    //       XID: 0xec4d1e7f (3964477055)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 3]
    //       [Procedure: DUMP (4)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 4]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 3]
    //       [V3 Procedure: DUMP (4)]
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 4
    //           Network Id: tcp6
    //           Universal Address: ::.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 3
    //           Network Id: tcp6
    //           Universal Address: ::.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 4
    //           Network Id: udp6
    //           Universal Address: ::.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 3
    //           Network Id: udp6
    //           Universal Address: ::.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 4
    //           Network Id: tcp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 3
    //           Network Id: tcp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 2
    //           Network Id: tcp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 4
    //           Network Id: udp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 3
    //           Network Id: udp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 2
    //           Network Id: udp
    //           Universal Address: 0.0.0.0.0.111
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 4
    //           Network Id: local
    //           Universal Address: /run/rpcbind.sock
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: Portmap (100000)
    //           Version: 3
    //           Network Id: local
    //           Universal Address: /run/rpcbind.sock
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 1
    //           Network Id: udp
    //           Universal Address: 0.0.0.0.127.253
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 1
    //           Network Id: tcp
    //           Universal Address: 0.0.0.0.127.253
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 1
    //           Network Id: udp6
    //           Universal Address: ::.127.253
    //           Owner of this Service: superuser
    //       Value Follows: Yes
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 1
    //           Network Id: tcp6
    //           Universal Address: ::.127.253
    //           Owner of this Service: superuser
    //       Value Follows: No
    transport: 'tcp',
    kind: 'reply',
    def: RPCBVERS_DEF,
    proc: 'RPCBPROC_DUMP',
    header: { xid: 0xec4d1e7f, acceptStat: 0 },
    body: [
      { r_prog: 100000, r_vers: 4, r_netid: 'tcp6', r_addr: '::.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 3, r_netid: 'tcp6', r_addr: '::.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 4, r_netid: 'udp6', r_addr: '::.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 3, r_netid: 'udp6', r_addr: '::.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 4, r_netid: 'tcp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 3, r_netid: 'tcp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 2, r_netid: 'tcp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 4, r_netid: 'udp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 3, r_netid: 'udp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 2, r_netid: 'udp', r_addr: '0.0.0.0.0.111', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 4, r_netid: 'local', r_addr: '/run/rpcbind.sock', r_owner: 'superuser' },
      { r_prog: 100000, r_vers: 3, r_netid: 'local', r_addr: '/run/rpcbind.sock', r_owner: 'superuser' },
      { r_prog: 100024, r_vers: 1, r_netid: 'udp', r_addr: '0.0.0.0.127.253', r_owner: 'superuser' },
      { r_prog: 100024, r_vers: 1, r_netid: 'tcp', r_addr: '0.0.0.0.127.253', r_owner: 'superuser' },
      { r_prog: 100024, r_vers: 1, r_netid: 'udp6', r_addr: '::.127.253', r_owner: 'superuser' },
      { r_prog: 100024, r_vers: 1, r_netid: 'tcp6', r_addr: '::.127.253', r_owner: 'superuser' },
    ],
    hex: `
      80000384  # record mark: last fragment, 900 bytes (RFC 5531 §11)
      ec4d1e7f  # xid = 0xec4d1e7f
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000001  # value follows (optional-data) = 1
      000186a0  # [0].rpcb_map.r_prog = 100000
      00000004  # [0].rpcb_map.r_vers = 4
      00000004  # [0].rpcb_map.r_netid: length 4
      74637036  #   "tcp6"
      00000008  # [0].rpcb_map.r_addr: length 8
      3a3a2e30  #   "::.0"
      2e313131  #   ".111"
      00000009  # [0].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [1].rpcb_map.r_prog = 100000
      00000003  # [1].rpcb_map.r_vers = 3
      00000004  # [1].rpcb_map.r_netid: length 4
      74637036  #   "tcp6"
      00000008  # [1].rpcb_map.r_addr: length 8
      3a3a2e30  #   "::.0"
      2e313131  #   ".111"
      00000009  # [1].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [2].rpcb_map.r_prog = 100000
      00000004  # [2].rpcb_map.r_vers = 4
      00000004  # [2].rpcb_map.r_netid: length 4
      75647036  #   "udp6"
      00000008  # [2].rpcb_map.r_addr: length 8
      3a3a2e30  #   "::.0"
      2e313131  #   ".111"
      00000009  # [2].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [3].rpcb_map.r_prog = 100000
      00000003  # [3].rpcb_map.r_vers = 3
      00000004  # [3].rpcb_map.r_netid: length 4
      75647036  #   "udp6"
      00000008  # [3].rpcb_map.r_addr: length 8
      3a3a2e30  #   "::.0"
      2e313131  #   ".111"
      00000009  # [3].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [4].rpcb_map.r_prog = 100000
      00000004  # [4].rpcb_map.r_vers = 4
      00000003  # [4].rpcb_map.r_netid: length 3
      74637000  #   "tcp" + padding
      0000000d  # [4].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [4].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [5].rpcb_map.r_prog = 100000
      00000003  # [5].rpcb_map.r_vers = 3
      00000003  # [5].rpcb_map.r_netid: length 3
      74637000  #   "tcp" + padding
      0000000d  # [5].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [5].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [6].rpcb_map.r_prog = 100000
      00000002  # [6].rpcb_map.r_vers = 2
      00000003  # [6].rpcb_map.r_netid: length 3
      74637000  #   "tcp" + padding
      0000000d  # [6].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [6].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [7].rpcb_map.r_prog = 100000
      00000004  # [7].rpcb_map.r_vers = 4
      00000003  # [7].rpcb_map.r_netid: length 3
      75647000  #   "udp" + padding
      0000000d  # [7].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [7].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [8].rpcb_map.r_prog = 100000
      00000003  # [8].rpcb_map.r_vers = 3
      00000003  # [8].rpcb_map.r_netid: length 3
      75647000  #   "udp" + padding
      0000000d  # [8].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [8].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [9].rpcb_map.r_prog = 100000
      00000002  # [9].rpcb_map.r_vers = 2
      00000003  # [9].rpcb_map.r_netid: length 3
      75647000  #   "udp" + padding
      0000000d  # [9].rpcb_map.r_addr: length 13
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      302e3131  #   "0.11"
      31000000  #   "1" + padding
      00000009  # [9].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [10].rpcb_map.r_prog = 100000
      00000004  # [10].rpcb_map.r_vers = 4
      00000005  # [10].rpcb_map.r_netid: length 5
      6c6f6361  #   "loca"
      6c000000  #   "l" + padding
      00000011  # [10].rpcb_map.r_addr: length 17
      2f72756e  #   "/run"
      2f727063  #   "/rpc"
      62696e64  #   "bind"
      2e736f63  #   ".soc"
      6b000000  #   "k" + padding
      00000009  # [10].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186a0  # [11].rpcb_map.r_prog = 100000
      00000003  # [11].rpcb_map.r_vers = 3
      00000005  # [11].rpcb_map.r_netid: length 5
      6c6f6361  #   "loca"
      6c000000  #   "l" + padding
      00000011  # [11].rpcb_map.r_addr: length 17
      2f72756e  #   "/run"
      2f727063  #   "/rpc"
      62696e64  #   "bind"
      2e736f63  #   ".soc"
      6b000000  #   "k" + padding
      00000009  # [11].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186b8  # [12].rpcb_map.r_prog = 100024
      00000001  # [12].rpcb_map.r_vers = 1
      00000003  # [12].rpcb_map.r_netid: length 3
      75647000  #   "udp" + padding
      0000000f  # [12].rpcb_map.r_addr: length 15
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      3132372e  #   "127."
      32353300  #   "253" + padding
      00000009  # [12].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186b8  # [13].rpcb_map.r_prog = 100024
      00000001  # [13].rpcb_map.r_vers = 1
      00000003  # [13].rpcb_map.r_netid: length 3
      74637000  #   "tcp" + padding
      0000000f  # [13].rpcb_map.r_addr: length 15
      302e302e  #   "0.0."
      302e302e  #   "0.0."
      3132372e  #   "127."
      32353300  #   "253" + padding
      00000009  # [13].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186b8  # [14].rpcb_map.r_prog = 100024
      00000001  # [14].rpcb_map.r_vers = 1
      00000004  # [14].rpcb_map.r_netid: length 4
      75647036  #   "udp6"
      0000000a  # [14].rpcb_map.r_addr: length 10
      3a3a2e31  #   "::.1"
      32372e32  #   "27.2"
      35330000  #   "53" + padding
      00000009  # [14].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000001  # value follows (optional-data) = 1
      000186b8  # [15].rpcb_map.r_prog = 100024
      00000001  # [15].rpcb_map.r_vers = 1
      00000004  # [15].rpcb_map.r_netid: length 4
      74637036  #   "tcp6"
      0000000a  # [15].rpcb_map.r_addr: length 10
      3a3a2e31  #   "::.1"
      32372e32  #   "27.2"
      35330000  #   "53" + padding
      00000009  # [15].rpcb_map.r_owner: length 9
      73757065  #   "supe"
      72757365  #   "ruse"
      72000000  #   "r" + padding
      00000000  # value follows (optional-data) = 0
    `,
  },
  {
    name: 'our client: rpcbind v3 GETTIME call over UDP',
    // tshark: more.pcap frame 23: 127.0.0.1 → 127.0.0.1 Portmap 82 V3 GETTIME Call
    //   Remote Procedure Call, Type:Call XID:0xa068cf26
    //       XID: 0xa068cf26 (2691223334)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 3
    //       Procedure: GETTIME (6)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 3]
    //       [V3 Procedure: GETTIME (6)]
    transport: 'udp',
    kind: 'call',
    def: RPCBVERS_DEF,
    proc: 'RPCBPROC_GETTIME',
    header: { xid: 0xa068cf26, prog: 100000, vers: 3, proc: 6 },
    body: undefined,
    hex: `
      a068cf26  # xid = 0xa068cf26
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000003  # vers = 3
      00000006  # proc = 6
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
    `,
  },
  {
    name: 'rpcbind: GETTIME reply, seconds since 1970',
    // tshark: more.pcap frame 24: 127.0.0.1 → 127.0.0.1 Portmap 70 V3 GETTIME Reply (Call In 23)
    //   Remote Procedure Call, Type:Reply XID:0xa068cf26
    //       XID: 0xa068cf26 (2691223334)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 3]
    //       [Procedure: GETTIME (6)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 23]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 3]
    //       [V3 Procedure: GETTIME (6)]
    //       Unknown RPC call/reply body
    transport: 'udp',
    kind: 'reply',
    def: RPCBVERS_DEF,
    proc: 'RPCBPROC_GETTIME',
    header: { xid: 0xa068cf26, acceptStat: 0 },
    body: 1795683888,
    hex: `
      a068cf26  # xid = 0xa068cf26
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      6b07f630  # unsigned int = 1795683888
    `,
  },
  {
    name: 'our client on another host: portmap v2 SET over UDP',
    // tshark: remote.pcap frame 1: 10.199.254.2 → 10.199.254.1 Portmap 98 V2 SET Call
    //   Remote Procedure Call, Type:Call XID:0x54f705d4
    //       XID: 0x54f705d4 (1425475028)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 2
    //       Procedure: SET (1)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 2]
    //       [V2 Procedure: SET (1)]
    //       Program: Unknown (300500)
    //       Version: 1
    //       Proto: UDP (17)
    //       Port: 4444
    transport: 'udp',
    kind: 'call',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_SET',
    header: { xid: 0x54f705d4, prog: 100000, vers: 2, proc: 1 },
    body: { prog: 300500, vers: 1, prot: 17, port: 4444 },
    hex: `
      54f705d4  # xid = 0x54f705d4
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000002  # vers = 2
      00000001  # proc = 1
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000495d4  # prog = 300500
      00000001  # vers = 1
      00000011  # prot = 17
      0000115c  # port = 4444
    `,
  },
  {
    name: 'rpcbind refuses a SET from another host: MSG_DENIED, AUTH_ERROR, AUTH_TOOWEAK (not a false result)',
    // tshark: remote.pcap frame 2: 10.199.254.1 → 10.199.254.2 Portmap 62 V2 SET Reply (Call In 1)
    //   Remote Procedure Call, Type:Reply XID:0x54f705d4
    //       XID: 0x54f705d4 (1425475028)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 2]
    //       [Procedure: SET (1)]
    //       Reply State: denied (1)
    //       [This is a reply to a request in frame 1]
    //       Reject State: AUTH_ERROR (1)
    //       Auth State: rejected for security reasons (5)
    transport: 'udp',
    kind: 'reply',
    def: PMAPVERS_DEF,
    proc: 'PMAPPROC_SET',
    header: { xid: 0x54f705d4, replyStat: 1, rejectStat: 1, authStat: 5 },
    hex: `
      54f705d4  # xid = 0x54f705d4
      00000001  # msg_type (1 = REPLY) = 1
      00000001  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 1
      00000001  # reject_stat (1 = AUTH_ERROR) = 1
      00000005  # auth_stat (5 = AUTH_TOOWEAK) = 5
    `,
  },
  {
    name: 'our client on another host: v4 GETADDR of status v1 on udp',
    // tshark: remote.pcap frame 5: 10.199.254.2 → 10.199.254.1 Portmap 106 V4 GETADDR Call
    //   Remote Procedure Call, Type:Call XID:0x54f705d6
    //       XID: 0x54f705d6 (1425475030)
    //       Message Type: Call (0)
    //       RPC Version: 2
    //       Program: Portmap (100000)
    //       Program Version: 4
    //       Procedure: GETADDR (3)
    //       Credentials
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       RPCB
    //           Program: STAT (100024)
    //           Version: 1
    //           Network Id: udp
    //           Universal Address: <EMPTY>
    //           Owner of this Service: <EMPTY>
    transport: 'udp',
    kind: 'call',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x54f705d6, prog: 100000, vers: 4, proc: 3 },
    body: { r_prog: 100024, r_vers: 1, r_netid: 'udp', r_addr: '', r_owner: '' },
    hex: `
      54f705d6  # xid = 0x54f705d6
      00000000  # msg_type (0 = CALL) = 0
      00000002  # rpcvers = 2
      000186a0  # prog = 100000
      00000004  # vers = 4
      00000003  # proc = 3
      00000000  # cred.flavor (0 = AUTH_NONE) = 0
      00000000  # cred.length = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      000186b8  # r_prog = 100024
      00000001  # r_vers = 1
      00000003  # r_netid: length 3
      75647000  #   "udp" + padding
      00000000  # r_addr: length 0
      00000000  # r_owner: length 0
    `,
  },
  {
    name: "rpcbind: GETADDR reply, wildcard merged into the address on the caller's network",
    // tshark: remote.pcap frame 6: 10.199.254.1 → 10.199.254.2 Portmap 90 V4 GETADDR Reply (Call In 5)
    //   Remote Procedure Call, Type:Reply XID:0x54f705d6
    //       XID: 0x54f705d6 (1425475030)
    //       Message Type: Reply (1)
    //       [Program: Portmap (100000)]
    //       [Program Version: 4]
    //       [Procedure: GETADDR (3)]
    //       Reply State: accepted (0)
    //       [This is a reply to a request in frame 5]
    //       Verifier
    //           Flavor: AUTH_NULL (0)
    //           Length: 0
    //       Accept State: RPC executed successfully (0)
    //   Portmap
    //       [Program Version: 4]
    //       [V4 Procedure: GETADDR (3)]
    //       Universal Address: 10.199.254.1.127.253
    transport: 'udp',
    kind: 'reply',
    def: RPCBVERS4_DEF,
    proc: 'RPCBPROC_GETADDR',
    header: { xid: 0x54f705d6, acceptStat: 0 },
    body: '10.199.254.1.127.253',
    hex: `
      54f705d6  # xid = 0x54f705d6
      00000001  # msg_type (1 = REPLY) = 1
      00000000  # reply_stat (0 = MSG_ACCEPTED, 1 = MSG_DENIED) = 0
      00000000  # verf.flavor = 0
      00000000  # verf.length = 0
      00000000  # accept_stat = 0
      00000014  # string: length 20
      31302e31  #   "10.1"
      39392e32  #   "99.2"
      35342e31  #   "54.1"
      2e313237  #   ".127"
      2e323533  #   ".253"
    `,
  },
];
