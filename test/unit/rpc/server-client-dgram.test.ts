// The RpcServer/RpcClient tests again with UDP listeners on node:dgram, the fallback of the native
// UDP addon (server-client.test.ts runs them on whatever NSMD_UDP picks, the addon when built).
process.env.NSMD_UDP = 'dgram';
await import('./server-client.test.js');
