// The fs.test.ts tests again with FsStore writing through node:fs, the fallback of the native
// file-commit addon (fs.test.ts runs them on whatever NSMD_STORE_IO picks, the addon when built).
process.env.NSMD_STORE_IO = 'node';
await import('./fs.test.js');
