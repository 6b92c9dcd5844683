// nsmd's NLM lock manager (server and client) and its lock table.
export * from './client.js';
export * from './errors.js';
export * from './fh.js';
export * from './listing.js';
export * from './lock-table.js';
export * from './monitor.js';
export * from './register.js';
export * from './server.js';
export * from './shares.js';
export * from './statd.js';
export * from './versions.js';
