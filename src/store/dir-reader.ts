// The main thread's side of the directory readers (read-worker.ts): starts them, hands each chunk
// to the caller as it comes, and gives the chunk's buffer back to its reader once indexed.
import { Worker } from 'node:worker_threads';
import {
  FREE,
  makeReadBuffers,
  type ReadBuffers,
  type ReadChunk,
  type ReadMessage,
  type ReadRequest,
} from './read-worker.js';

/**
 * Reads a directory with `req.parts` worker threads, handing each chunk to onChunk as it comes (its
 * views are valid during the call only). Resolves the directory's own error (e.g. ENOENT) if it
 * could not be read, else undefined.
 */
export function readHostDirInWorkers(
  req: ReadRequest,
  onChunk: (chunk: ReadChunk) => void,
): Promise<ReadChunk['fatal'] | undefined> {
  return new Promise((resolve, reject) => {
    const url = new URL('./read-worker.js', import.meta.url);
    const workers: Worker[] = [];
    let running = req.parts;
    let failed = false;
    const stop = (): void => {
      for (const w of workers) void w.terminate();
    };
    for (let part = 0; part < req.parts; part++) {
      const bufs: ReadBuffers = makeReadBuffers(req);
      const state = new Int32Array(bufs.state);
      const w = new Worker(url, { workerData: { nsmdReadHostDir: { req: { ...req, part }, bufs } } });
      workers.push(w);
      let done = false;
      w.on('message', (msg: ReadMessage) => {
        if (failed) return;
        if (msg.fatal) {
          failed = true;
          stop();
          resolve(msg.fatal);
          return;
        }
        try {
          onChunk({
            data: new Uint8Array(bufs.data[msg.buffer]!),
            entries: new Int32Array(bufs.entries[msg.buffer]!, 0, msg.count * 5),
            count: msg.count,
            errors: msg.errors,
            last: msg.last,
          });
        } catch (err) {
          failed = true;
          stop();
          reject(err);
          return;
        }
        if (!msg.last) {
          Atomics.store(state, msg.buffer, FREE);
          Atomics.notify(state, msg.buffer);
          return;
        }
        done = true;
        void w.terminate();
        if (--running === 0) resolve(undefined);
      });
      w.once('error', (err) => {
        if (failed) return;
        failed = true;
        stop();
        reject(err);
      });
      w.once('exit', (code) => {
        if (done || failed) return;
        failed = true;
        stop();
        reject(new Error(`directory reader exited with code ${code} before answering`));
      });
    }
  });
}
