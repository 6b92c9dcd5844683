// Reads the entries of one host directory on a worker thread. Plain blocking reads here are 2-5
// times faster than one libuv request per open/read/close on a small machine, and they keep the
// main thread's event loop free. Results go back in chunks, so the main thread parses while the
// worker reads; several workers can share a directory (`part`).
//
// The worker allocates nothing that grows with the directory: it lists it through a small buffer
// (opendir, not readdir's whole list) and reads each file straight into one of two shared buffers
// the main thread made (double buffering: it fills one while the main thread indexes the other).
// Memory the worker's thread had malloc'd would stay in that thread's malloc arena after it exits
// (15-20 MB for 100,000 hosts, kept by the process for good); see docs/STATE.md "Loading".
import { constants as C, closeSync, type Dir, opendirSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** What a reader is given. */
export interface ReadRequest {
  dir: string;
  /** Bigger files are reported, not read. */
  maxFile: number;
  /** This reader takes the entries whose index modulo `parts` is `part`. */
  part: number;
  parts: number;
  /** Most entries per chunk sent. */
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

/** Chunk buffers one reader shares with the main thread: made by the main thread, reused. */
export interface ReadBuffers {
  data: SharedArrayBuffer[];
  entries: SharedArrayBuffer[];
  /** Per buffer: FREE (the reader may fill it) or FULL (sent, the main thread has it). */
  state: SharedArrayBuffer;
}

export const FREE = 0;
export const FULL = 1;
/** Chunk buffers per reader. */
const BUFFERS = 2;
/** A chunk is sent once its data passes this many bytes (or it has `chunk` entries). */
const CHUNK_BYTES = 64 << 10;
/** Room for a name: NAME_MAX is 255 bytes, one latin1 char each. */
const NAME_ROOM = 4096;

/** The shared buffers of one reader (touched pages only cost memory; all go once the load ends). */
export function makeReadBuffers(req: ReadRequest): ReadBuffers {
  const data: SharedArrayBuffer[] = [];
  const entries: SharedArrayBuffer[] = [];
  for (let i = 0; i < BUFFERS; i++) {
    // Past CHUNK_BYTES there is room for one more entry: its name and the largest file plus 1.
    data.push(new SharedArrayBuffer(CHUNK_BYTES + NAME_ROOM + req.maxFile + 1));
    entries.push(new SharedArrayBuffer(req.chunk * 5 * 4));
  }
  return { data, entries, state: new SharedArrayBuffer(BUFFERS * 4) };
}

/** A chunk as the reader posts it: which buffer, and what is in it. */
export interface ReadMessage {
  buffer: number;
  count: number;
  errors: string[];
  last: boolean;
  fatal?: { message: string; code?: string };
}

/** Reads the directory into `bufs`, posting each chunk with `post` (runs on the worker thread). */
export function readHostDir(req: ReadRequest, bufs: ReadBuffers, post: (msg: ReadMessage) => void): void {
  let dir: Dir;
  try {
    // Names as latin1 strings, one char per byte: any byte may be in a file name.
    dir = opendirSync(req.dir, { encoding: 'latin1', bufferSize: 128 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const fatal = { message: e.message, ...(e.code ? { code: e.code } : {}) };
    post({ buffer: -1, count: 0, errors: [], last: true, fatal });
    return;
  }
  const state = new Int32Array(bufs.state);
  const prefix = Buffer.from(`${req.dir}/`);
  const path = Buffer.allocUnsafeSlow(prefix.length + NAME_ROOM);
  prefix.copy(path);
  let current = 0;
  let data = Buffer.from(bufs.data[0]!);
  let entries = new Int32Array(bufs.entries[0]!);
  let used = 0;
  let count = 0;
  let errors: string[] = [];
  const flush = (last: boolean): void => {
    Atomics.store(state, current, FULL);
    post({ buffer: current, count, errors, last });
    if (last) return;
    current = (current + 1) % BUFFERS;
    // Wait until the main thread has indexed what this buffer held last.
    while (Atomics.load(state, current) === FULL) Atomics.wait(state, current, FULL);
    data = Buffer.from(bufs.data[current]!);
    entries = new Int32Array(bufs.entries[current]!);
    used = 0;
    count = 0;
    errors = [];
  };
  let index = -1;
  // O_NOATIME: reading 100,000 host files at start-up must not dirty 100,000 inodes (relatime
  // updates the atime of a file not read since it was written), which the first syncs would then
  // have to write out. Only the files' owner (or root) may ask for it: after one EPERM, not again.
  let noAtime = C.O_NOATIME ?? 0;
  try {
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) {
      if (++index % req.parts !== req.part) continue;
      const name = e.name;
      if (used > CHUNK_BYTES) flush(false);
      // (A name never passes NAME_ROOM; if one did, write and read would stop at the buffer's end.)
      const nameStart = used;
      used += data.write(name, used, 'latin1');
      const nameEnd = used;
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
          // No symlink followed, no FIFO waited on, even if the entry changed since it was listed.
          path.write(name, prefix.length, 'latin1');
          const file = path.subarray(0, prefix.length + name.length);
          const flags = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
          try {
            fd = openSync(file, flags | noAtime);
          } catch (err) {
            if (noAtime === 0 || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
            noAtime = 0;
            fd = openSync(file, flags);
          }
          // One read, straight into the chunk: a short read of a regular file is its end; filling
          // maxFile + 1 bytes means a file too large.
          const n = readSync(fd, data, used, req.maxFile + 1, null);
          if (n > req.maxFile) kind = ENTRY.tooLarge;
          else {
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
      entries[at + 2] = nameEnd;
      entries[at + 3] = cStart;
      entries[at + 4] = cEnd;
      if (++count === req.chunk) flush(false);
    }
  } catch (err) {
    // The listing itself failed part way (e.g. EIO): the directory could not be read.
    const e = err as NodeJS.ErrnoException;
    const fatal = { message: e.message, ...(e.code ? { code: e.code } : {}) };
    post({ buffer: -1, count: 0, errors: [], last: true, fatal });
    return;
  } finally {
    try {
      dir.closeSync();
    } catch {
      // already closed, or nothing to do about it
    }
  }
  flush(true);
}

const job = (workerData as { nsmdReadHostDir?: { req: ReadRequest; bufs: ReadBuffers } } | null)
  ?.nsmdReadHostDir;
if (parentPort && job) {
  const port = parentPort;
  readHostDir(job.req, job.bufs, (msg) => port.postMessage(msg));
  // Stay until terminated: exiting now could let 'exit' overtake the last message.
  port.on('message', () => {});
}
