/**
 * Codecs and procedure tables generated from spec/*.x (regenerate with `npm run gen`).
 * Each protocol is also a namespace: `sm.SM_VERS_DEF`, `nlm.NLM4_VERS_DEF`, `rpcb.RPCBVERS_DEF`.
 */
export * from './nlm_prot.js';
export * as nlm from './nlm_prot.js';
export * from './rpc_msg.js';
export * as rpcmsg from './rpc_msg.js';
export * from './rpcb_prot.js';
export * as rpcb from './rpcb_prot.js';
export * from './sm_inter.js';
export * as sm from './sm_inter.js';
