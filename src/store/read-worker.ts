// Reads the entries of one host directory on a worker thread. Plain blocking reads here are 2-5
// times faster than one libuv request per open/read/close on a small machine, and they keep the
// main thread's event loop free. Results go back in chunks (one transferred buffer each), so the
// main thread parses while the worker reads; several workers can share a directory (`part`).
import { constants as C, closeSync, type Dirent, openSync, readdirSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** What a reader is given. */
export interface ReadRequest {
  dir: string;
  /** Bigger files are reported, not read. */
  maxFile: number;
  /** This reader takes the entries whose index modulo `parts` is `part`. */
  part: number;
  parts: number;
  /** Entries per chunk sent. */
  chunk: number;
}

/** Kinds of directory entries, as reported in `ReadChunk.entries`. */
export const ENTRY = {
  file: 0,
  hidden: 1,
  symlink: 2,
  directory: 3,
  other: 4,
  error: 5,
  tooLarge: 6,
} as const;

/**
 * Per entry 5 ints: kind, name start, name end, content start, content end (offsets into data).
 * `errors` holds the message of each `error` entry, in order.
 */
export interface ReadChunk {
  data: Uint8Array;
  entries: Int32Array;
  count: number;
  errors: string[];
  /** The reader's last chunk. */
  last: boolean;
  /** Set when the directory itself could not be read. */
  fatal?: { message: string; code?: string };
}

/** Reads the directory, handing each chunk to `emit` (runs on the worker thread). */
export function readHostDir(req: ReadRequest, emit: (chunk: ReadChunk) => void): void {
  // Names as latin1 strings, one char per byte (any byte may be in a file name): 100 000 of them
  // cost a fraction of what as many Buffers would, which the process would keep afterwards.
  let list: Dirent[];
  try {
    list = readdirSync(req.dir, { encoding: 'latin1', withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const fatal = { message: e.message, ...(e.code ? { code: e.code } : {}) };
    emit({ data: new Uint8Array(0), entries: new Int32Array(0), count: 0, errors: [], last: true, fatal });
    return;
  }
  const prefix = Buffer.from(`${req.dir}/`);
  const path = Buffer.allocUnsafeSlow(prefix.length + 256);
  prefix.copy(path);
  const slot = Buffer.allocUnsafeSlow(req.maxFile + 1);
  const CHUNK_BYTES = 256 << 10;
  let data = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let used = 0;
  let entries = new Int32Array(req.chunk * 5);
  let count = 0;
  let errors: string[] = [];
  const ensure = (n: number): void => {
    if (used + n <= data.length) return;
    let size = Math.max(data.length * 2, CHUNK_BYTES);
    while (size < used + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    data.copy(next, 0, 0, used);
    data = next;
  };
  const flush = (last: boolean): void => {
    emit({ data: data.subarray(0, used), entries: entries.subarray(0, count * 5), count, errors, last });
    // The sent buffers are detached now (length 0): start new ones.
    data = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    entries = new Int32Array(req.chunk * 5);
    used = 0;
    count = 0;
    errors = [];
  };
  for (let i = req.part; i < list.length; i += req.parts) {
    const e = list[i]!;
    list[i] = null as unknown as Dirent; // let it go as we walk
    const name = e.name;
    ensure(name.length);
    const nameStart = used;
    data.write(name, used, 'latin1');
    used += name.length;
    let kind: number = ENTRY.file;
    let cStart = used;
    let cEnd = used;
    if (name.charCodeAt(0) === 0x2e) kind = ENTRY.hidden;
    else if (e.isSymbolicLink()) kind = ENTRY.symlink;
    else if (e.isDirectory()) kind = ENTRY.directory;
    else if (!e.isFile()) kind = ENTRY.other;
    else {
      let fd = -1;
      try {
        // No symlink followed, no FIFO waited on, even if the entry changed since readdir.
        path.write(name, prefix.length, 'latin1');
        fd = openSync(
          path.subarray(0, prefix.length + name.length),
          C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK,
        );
        // One read: a short read of a regular file is its end; a full slot is a file too large.
        const n = readSync(fd, slot, 0, slot.length, null);
        if (n > req.maxFile) kind = ENTRY.tooLarge;
        else {
          ensure(n);
          slot.copy(data, used, 0, n);
          cStart = used;
          used += n;
          cEnd = used;
        }
      } catch (err) {
        kind = ENTRY.error;
        errors.push((err as Error).message);
      } finally {
        if (fd >= 0) closeSync(fd);
      }
    }
    const at = count * 5;
    entries[at] = kind;
    entries[at + 1] = nameStart;
    entries[at + 2] = nameStart + name.length;
    entries[at + 3] = cStart;
    entries[at + 4] = cEnd;
    if (++count === req.chunk) flush(false);
  }
  flush(true);
}

if (parentPort && (workerData as { nsmdReadHostDir?: ReadRequest } | null)?.nsmdReadHostDir) {
  const port = parentPort;
  readHostDir((workerData as { nsmdReadHostDir: ReadRequest }).nsmdReadHostDir, (chunk) => {
    // data and entries view buffers of their own (never the small-Buffer pool): moved, not copied.
    port.postMessage(chunk, [chunk.data.buffer as ArrayBuffer, chunk.entries.buffer as ArrayBuffer]);
  });
  // Stay until terminated: exiting now could let 'exit' overtake the last message.
  port.on('message', () => {});
}
