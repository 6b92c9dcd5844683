// The spares.test.ts tests again with FsStore writing through node:fs, the fallback of the native
// file-commit addon (spares.test.ts runs them on whatever NSMD_STORE_IO picks, the addon when built).
process.env.NSMD_STORE_IO = 'node';
await import('./spares.test.js');
