import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordError } from '../../../src/rpc/errors.js';
import { beginRecord, endRecord, frameRecord, RecordReader } from '../../../src/rpc/record.js';
import { XdrWriter } from '../../../src/xdr/writer.js';
import { hex } from './hex.js';

function collect(max = 64 * 1024): { reader: RecordReader; records: Buffer[] } {
  const records: Buffer[] = [];
  // Copy: a record may be a view into the pushed chunk.
  const reader = new RecordReader((r) => records.push(Buffer.from(r)), max);
  return { reader, records };
}

function feedSplit(reader: RecordReader, stream: Buffer, cuts: number[]): void {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const p of points) {
    reader.push(stream.subarray(at, p));
    at = p;
  }
  reader.push(stream.subarray(at));
}

describe('RecordReader', () => {
  it('reads a one-fragment record (annotated vector)', () => {
    const { reader, records } = collect();
    reader.push(
      hex(`
        80000008 # last fragment, 8 bytes
        01020304 05060708
      `),
    );
    assert.deepEqual(records, [hex('0102030405060708')]);
  });

  it('joins a multi-fragment record', () => {
    const { reader, records } = collect();
    reader.push(
      hex(`
        00000003 aabbcc   # fragment of 3 bytes, more to come
        00000000          # an empty fragment
        80000002 ddee     # last fragment, 2 bytes
        80000000          # an empty record
      `),
    );
    assert.deepEqual(records, [hex('aabbccddee'), Buffer.alloc(0)]);
  });

  it('accepts the stream one byte at a time', () => {
    const messages = [Buffer.from('hello world'), Buffer.alloc(0), Buffer.alloc(3000, 7)];
    const stream = Buffer.concat([
      frameRecord(messages[0]!, 4),
      frameRecord(messages[1]!),
      frameRecord(messages[2]!, 1000),
    ]);
    const { reader, records } = collect();
    for (const b of stream) reader.push(Buffer.from([b]));
    assert.deepEqual(records, messages);
    assert.equal(reader.inRecord, false);
  });

  it('gives the same records for any split of the input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 400 })), {
          maxLength: 8,
        }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (msgs, cuts) => {
          const stream = Buffer.concat(msgs.map(([m, frag]) => frameRecord(m, frag)));
          const { reader, records } = collect();
          feedSplit(reader, stream, cuts);
          assert.deepEqual(
            records.map((r) => r.toString('hex')),
            msgs.map(([m]) => Buffer.from(m).toString('hex')),
          );
          assert.equal(reader.inRecord, false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random streams give records within the limit or a RecordError, nothing else (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const seen: number[] = [];
        const reader = new RecordReader((r) => seen.push(r.length), 100);
        try {
          for (const c of chunks) reader.push(c);
        } catch (err) {
          assert.ok(err instanceof RecordError, String(err));
        }
        for (const n of seen) assert.ok(n <= 100);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes a record of exactly maxRecordSize bytes', () => {
    const { reader, records } = collect(1000);
    reader.push(frameRecord(Buffer.alloc(1000, 1), 300));
    assert.equal(records.length, 1);
    assert.equal(records[0]!.length, 1000);
  });

  it('refuses maxRecordSize + 1 as soon as the mark declares it, before buffering', () => {
    const { reader, records } = collect(1000);
    // Only the mark is pushed: the refusal cannot depend on the body arriving.
    assert.throws(
      () => reader.push(hex('800003e9')),
      (e: unknown) => e instanceof RecordError && e.code === 'ERR_RPC_RECORD_TOO_LARGE',
    );
    assert.equal(records.length, 0);
    assert.throws(() => reader.push(Buffer.alloc(1)), RecordError, 'a broken stream stays broken');
  });

  it('counts the sum of fragments against the maximum', () => {
    const { reader } = collect(1000);
    reader.push(hex('000001f4'));
    reader.push(Buffer.alloc(500));
    // 500 + 501 > 1000, refused on the second mark.
    assert.throws(() => reader.push(hex('800001f5')), RecordError);
  });

  it('refuses a huge declared fragment fed byte by byte without allocating it', () => {
    const { reader } = collect();
    reader.push(hex('ff'));
    reader.push(hex('ff'));
    reader.push(hex('ff'));
    assert.throws(() => reader.push(hex('ff')), RecordError);
  });

  it('reports a partial record as inRecord', () => {
    const { reader } = collect();
    assert.equal(reader.inRecord, false);
    reader.push(hex('80'));
    assert.equal(reader.inRecord, true);
    reader.push(hex('000004 0102'));
    assert.equal(reader.inRecord, true);
    reader.push(hex('0304'));
    assert.equal(reader.inRecord, false);
  });
});

describe('record writing', () => {
  it('reserves the mark and patches it: one buffer per message', () => {
    const w = new XdrWriter(4);
    const at = beginRecord(w);
    w.uint(0x01020304);
    w.uint(0x05060708);
    endRecord(w, at);
    assert.deepEqual(w.toBuffer(), hex('80000008 01020304 05060708'));
  });

  it('frames a message into fragments', () => {
    assert.deepEqual(frameRecord(hex('0102030405'), 2), hex('00000002 0102 00000002 0304 80000001 05'));
    assert.deepEqual(frameRecord(Buffer.alloc(0)), hex('80000000'));
  });
});
