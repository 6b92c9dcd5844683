// The fs.test.ts tests again with the native io syncing every host file by its own fdatasync
// (fs.test.ts runs them on whatever NSMD_STORE_SYNC picks: syncfs for batches under 'auto').
process.env.NSMD_STORE_SYNC = 'file';
await import('./fs.test.js');
