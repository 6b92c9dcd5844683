import { endianness } from 'node:os';
import { StoreError } from './errors.js';
import type { MonitorRecord, MyId } from './types.js';

/** SM_PRIV_SIZE (XNFS 3W ch. 11, sm_inter.x). */
export const PRIV_SIZE = 16;
/** SM_MAXSTRLEN (XNFS 3W ch. 11, sm_inter.x). */
export const MAX_NAME_BYTES = 1024;
/** A mon_name is a file name in sm/: Linux NAME_MAX. */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * The callback address field: 127.0.0.1 as an in_addr s_addr (network order) printed as a host
 * integer with %08x, the way nfs-utils writes it, so it depends on the machine's byte order.
 */
export const LOOPBACK_FIELD = endianness() === 'LE' ? '0100007f' : '7f000001';

// What C isspace() accepts in the C locale: the line format separates fields with them.
const SPACE = /[ \t\n\v\f\r]/;
// Only bytes 0..255: names are XDR byte strings (one char per byte).
const NOT_BYTE = /[^\u0000-\u00ff]/;

/** Why a mon_name cannot be a host file name, or null when it can. */
export function monNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'empty';
  if (name.charCodeAt(0) === 0x2e) return "starts with '.'"; // also '.' and '..': hidden or escaping
  if (name.includes('/')) return "contains '/'";
  if (name.includes('\0')) return 'contains NUL';
  if (SPACE.test(name)) return 'contains white space';
  if (NOT_BYTE.test(name)) return 'is not a byte string';
  if (name.length > MAX_FILE_NAME_BYTES) return `longer than ${MAX_FILE_NAME_BYTES} bytes`;
  return null;
}

/** Why a my_name cannot be written in a record line, or null when it can. */
export function myNameProblem(name: string): string | null {
  if (typeof name !== 'string') return 'not a string';
  if (name.includes('\0')) return 'contains NUL';
  if (SPACE.test(name)) return 'contains white space';
  if (NOT_BYTE.test(name)) return 'is not a byte string';
  if (name.length > MAX_NAME_BYTES) return `longer than ${MAX_NAME_BYTES} bytes`;
  return null;
}

/** Throws ERR_STORE_NAME unless the mon_name is safe as a file name and a line field. */
export function checkMonName(name: string): void {
  const problem = monNameProblem(name);
  if (problem) throw new StoreError('ERR_STORE_NAME', `mon_name ${JSON.stringify(name)} refused: ${problem}`);
}

function isInt32Like(v: number): boolean {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff;
}

/** Throws ERR_STORE_NAME or ERR_STORE_VALUE unless the my_id can be stored. */
export function checkMyId(id: MyId): void {
  const problem = myNameProblem(id.myName);
  if (problem)
    throw new StoreError('ERR_STORE_NAME', `my_name ${JSON.stringify(id.myName)} refused: ${problem}`);
  for (const k of ['prog', 'vers', 'proc'] as const) {
    if (!isInt32Like(id[k]))
      throw new StoreError('ERR_STORE_VALUE', `my_${k} ${id[k]} is not a 32-bit integer`);
  }
}

/** Throws unless the record can be stored. */
export function checkRecord(rec: MonitorRecord): void {
  checkMonName(rec.monName);
  checkMyId(rec);
  if (!(rec.priv instanceof Uint8Array) || rec.priv.length !== PRIV_SIZE) {
    throw new StoreError('ERR_STORE_VALUE', `priv must be exactly ${PRIV_SIZE} bytes`);
  }
}

/** Throws ERR_STORE_VALUE unless the state number and boot id can be stored. */
export function checkState(state: number, bootId: string | null): void {
  if (!isInt32Like(state)) throw new StoreError('ERR_STORE_VALUE', `state ${state} is not a 32-bit integer`);
  // One line of printable ASCII: /proc/sys/kernel/random/boot_id is a 36-character UUID.
  if (bootId !== null && (typeof bootId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(bootId))) {
    throw new StoreError('ERR_STORE_VALUE', 'boot id must be 1-128 printable ASCII characters');
  }
}

/** True when two my_ids are the same caller (numbers compared as 32-bit values). */
export function sameId(a: MyId, b: MyId): boolean {
  return (
    a.myName === b.myName &&
    (a.prog | 0) === (b.prog | 0) &&
    (a.vers | 0) === (b.vers | 0) &&
    (a.proc | 0) === (b.proc | 0)
  );
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/**
 * One nfs-utils record line: `%08x %08x %08x %08x <priv hex> <mon_name> <my_name>\n` (callback
 * address, prog, vers, proc). A byte string: write it with the latin1 encoding.
 */
export function formatRecordLine(rec: MonitorRecord): string {
  let priv = '';
  for (let i = 0; i < PRIV_SIZE; i++) priv += (rec.priv[i]! < 16 ? '0' : '') + rec.priv[i]!.toString(16);
  return `${LOOPBACK_FIELD} ${hex8(rec.prog)} ${hex8(rec.vers)} ${hex8(rec.proc)} ${priv} ${rec.monName} ${rec.myName}\n`;
}

const LINE =
  /^[0-9a-fA-F]{8} ([0-9a-fA-F]{8}) ([0-9a-fA-F]{8}) ([0-9a-fA-F]{8}) ([0-9a-fA-F]{32}) ([^ \t\n\v\f\r\0]+) ([^ \t\n\v\f\r\0]*)$/;

/** Parses one record line (without its '\n'); null when it is not a valid record. */
export function parseRecordLine(line: string): MonitorRecord | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const monName = m[5]!;
  const myName = m[6]!;
  if (monNameProblem(monName) !== null || myNameProblem(myName) !== null) return null;
  return {
    monName,
    myName,
    prog: Number.parseInt(m[1]!, 16) | 0,
    vers: Number.parseInt(m[2]!, 16) | 0,
    proc: Number.parseInt(m[3]!, 16) | 0,
    priv: Buffer.from(m[4]!, 'hex'),
  };
}

/**
 * Parses a whole host file (a byte string): every line must be a record; the last '\n' may be
 * missing. Null when the file holds no record or any line is broken: such a file is never a host.
 */
export function parseRecordFile(content: string): MonitorRecord[] | null {
  if (content.length === 0) return null;
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: MonitorRecord[] = [];
  for (const line of lines) {
    const rec = parseRecordLine(line);
    if (!rec) return null;
    out.push(rec);
  }
  return out;
}

/** The lines of a file content held in memory (each without '\n'). */
export function splitLines(content: string): string[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The mon_name field of a line already known to be valid. */
export function lineMonName(line: string): string {
  const start = 69; // 4 x "%08x " + 32 hex + ' '
  return line.slice(start, line.indexOf(' ', start));
}

/** True when a valid line is the record of (monName, id). */
export function lineIs(line: string, monName: string, id: MyId): boolean {
  return lineMonName(line) === monName && lineHasId(line, id);
}

/** True when a valid line belongs to the caller id (any mon_name). */
export function lineHasId(line: string, id: MyId): boolean {
  const myStart = line.indexOf(' ', 69) + 1;
  if (line.slice(myStart) !== id.myName) return false;
  return (
    (Number.parseInt(line.slice(9, 17), 16) | 0) === (id.prog | 0) &&
    (Number.parseInt(line.slice(18, 26), 16) | 0) === (id.vers | 0) &&
    (Number.parseInt(line.slice(27, 35), 16) | 0) === (id.proc | 0)
  );
}
