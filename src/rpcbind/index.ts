export * from './client.js';
export * from './errors.js';
export * from './local-address.js';
export * from './register.js';
export * from './rpcent.js';
export * from './server.js';
export * from './table.js';
export * from './uaddr.js';
export { fromPortMappings, fromRegistrations, toPortMappings, toRegistrations } from './wire.js';
