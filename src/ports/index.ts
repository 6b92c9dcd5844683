export {
  type BindProbe,
  type BindReservedOptions,
  bindReservedPort,
  chooseListenPort,
  freeReservedPorts,
  isLiveAssignment,
  type ListenPortChoice,
  parseBindresvportBlacklist,
  probeBind,
  RESERVED_HIGH,
  RESERVED_LOW,
  type ReservedPortOptions,
  type ReservedSocketFactory,
  readBindresvportBlacklist,
  reservedPortCandidates,
  reservedPortChooser,
  STATD_PORT,
} from './choose.js';
export { PortsError, type PortsErrorCode } from './errors.js';
export {
  type InspectOptions,
  inspectAll,
  inspectPort,
  type PortReport,
  type PortsReport,
  type ProtoReport,
  type RegistryReport,
  type RpcbindStatus,
  type Visibility,
} from './inspect.js';
export {
  decodeHexAddress,
  formatIpv6,
  isListening,
  type Listener,
  type ListenerScan,
  type ProcessInfo,
  type ProcSocket,
  parseProcNet,
  readProcSockets,
  type ScanOptions,
  type SocketOwner,
  scanListeners,
} from './listeners.js';
export { isPort, type PortRange, type PortRangeName, portRange } from './range.js';
export {
  buildRegistry,
  type EntryKind,
  GHOST_SERVICES,
  loadRegistry,
  NO_REFERENCE,
  type PortRegistry,
  type Proto,
  type RegistryEntry,
} from './registry.js';
export {
  lookupFromDump,
  type PmapMapping,
  programsOnPort,
  type RpcProgram,
  type RpcProgramLookup,
  rpcbindProgramLookup,
  rpcProgramName,
} from './rpc.js';
export {
  judgePort,
  mostUrgent,
  processIsService,
  type Verdict,
  type VerdictCode,
  type VerdictInput,
} from './verdict.js';
