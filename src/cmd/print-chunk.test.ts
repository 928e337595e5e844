import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinlogChunkSplitter } from '../pkg/binlog/chunk-splitter.js';
import { BinlogDecoder } from '../pkg/binlog/decoder.js';
import { EventType } from '../pkg/binlog/event-type.js';
import { appendEventJson } from '../pkg/binlog/json-format.js';
import { JsonWriter } from '../pkg/binlog/json-writer.js';
import { buildEvent, buildFde, rowsBody, tableMapBody } from '../pkg/binlog/test-events.js';
import { isDmError } from '../pkg/errors/index.js';
import { printChunk } from './print-worker.js';

const INT = 3; // MYSQL_TYPE_LONG

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

function xid(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return buildEvent(EventType.XID, b);
}

/**
 * A binlog body (after the magic): an FDE; table 7 mapped ONCE at the start and used by every
 * transaction after (a cut anywhere later must carry that map); table 9 re-mapped in every
 * transaction with a changing width; a second FDE half-way.
 */
function stream(): Buffer {
  const ev: Buffer[] = [buildFde({ alg: 1 })];
  ev.push(buildEvent(EventType.TABLE_MAP, tableMapBody(7, 'db', 'once', [{ type: INT }])));
  for (let i = 0; i < 60; i++) {
    if (i === 30) ev.push(buildFde({ alg: 1 }));
    const width = 1 + (i % 3);
    ev.push(
      buildEvent(EventType.TABLE_MAP, tableMapBody(9, 'db', `t${width}`, Array(width).fill({ type: INT }))),
    );
    ev.push(buildEvent(EventType.WRITE_ROWS_V2, rowsBody(7, 1, [[int(i)], [int(-i)]], { v2: true })));
    ev.push(
      buildEvent(
        EventType.WRITE_ROWS_V2,
        rowsBody(9, width, [Array.from({ length: width }, (_, k) => int(i * 10 + k))], { v2: true }),
      ),
    );
    ev.push(xid(i));
  }
  return Buffer.concat(ev);
}

const BASE = 4; // file offset of the first event

function sequential(body: Buffer): string {
  const d = new BinlogDecoder();
  const w = new JsonWriter();
  for (let off = 0; off < body.length; ) {
    const size = body.readUInt32LE(off + 9);
    const raw = body.subarray(off, off + size);
    const pos = BASE + off;
    appendEventJson({ raw, event: d.decode(raw), file: 'f', pos, nextPos: pos + size }, w);
    off += size;
  }
  return w.take();
}

/** Read `body` in reads of `step` bytes as the printer does, each chunk decoded on its own. */
function chunked(body: Buffer, step: number): { text: string; chunks: number; error?: unknown } {
  const splitter = new BinlogChunkSplitter('f');
  let text = '';
  let chunks = 0;
  let carry = Buffer.alloc(0);
  let pos = BASE;
  let read = 0;
  for (;;) {
    const more = body.subarray(read, read + step);
    read += more.length;
    const view = Buffer.concat([carry, more]);
    const cut = splitter.cut(view, pos);
    if (cut.end > 0) {
      chunks++;
      // Copies, as the thread gets its own memory.
      const data = Buffer.from(view.subarray(0, cut.end));
      const r = printChunk({
        seq: chunks,
        file: 'f',
        pos,
        data,
        preamble: cut.preamble.map((p) => Buffer.from(p)),
      });
      text += Buffer.from(r.out).toString('utf8');
      if (r.error) return { text, chunks, error: r.error };
    }
    if (cut.error) return { text, chunks, error: cut.error };
    carry = Buffer.from(view.subarray(cut.end));
    pos += cut.end;
    if (more.length === 0) return { text, chunks };
  }
}

describe('BinlogChunkSplitter', () => {
  const body = stream();
  const expected = sequential(body);

  it('chunks decoded on their own print exactly the sequential output, wherever the cuts fall', () => {
    for (const step of [19, 40, 97, 150, 333, 1000, 4096, body.length]) {
      const r = chunked(body, step);
      assert.equal(r.error, undefined, `step ${step}`);
      assert.equal(r.text, expected, `step ${step}`);
      if (step < 1000) assert.ok(r.chunks > 10, `step ${step} made ${r.chunks} chunks`);
    }
  });

  it('a chunk without its preamble would not decode: the carried TABLE_MAP is needed', () => {
    const splitter = new BinlogChunkSplitter('f');
    const first = splitter.cut(body.subarray(0, 600), BASE);
    const restStart = first.end;
    const second = splitter.cut(body.subarray(restStart, restStart + 600), BASE + restStart);
    assert.ok(second.preamble.length >= 2, 'FDE and the map of table 7');
    const without = printChunk({
      seq: 1,
      file: 'f',
      pos: BASE + restStart,
      data: Buffer.from(body.subarray(restStart, restStart + second.end)),
      preamble: [second.preamble[0]!],
    });
    assert.equal(without.error?.code, 11012, 'missing TABLE_MAP');
  });

  it('reports the size of an incomplete event, and a malformed size after the good events', () => {
    const splitter = new BinlogChunkSplitter('f');
    const firstSize = body.readUInt32LE(9);
    const part = splitter.cut(body.subarray(0, firstSize + 25), BASE);
    assert.equal(part.end, firstSize);
    assert.equal(part.need, body.readUInt32LE(firstSize + 9));
    const bad = Buffer.from(body);
    const at = firstSize + body.readUInt32LE(firstSize + 9);
    bad.writeUInt32LE(5, at + 9);
    const r = chunked(bad, 1 << 20);
    assert.ok(isDmError(r.error), String(r.error));
    assert.match((r.error as Error).message, new RegExp(`event at ${BASE + at} has size 5`));
    assert.equal(r.text, sequential(bad.subarray(0, at)));
  });

  it('a corrupted event stops its chunk with the coded error after the lines before it', () => {
    const bad = Buffer.from(body);
    const mid = Math.floor(bad.length / 2);
    // Flip a byte inside an event body: its CRC32 no longer matches.
    bad[mid] = bad[mid]! ^ 0xff;
    const r = chunked(bad, 333);
    const e = r.error as { code: number };
    assert.equal(e.code, 11006);
    assert.ok(expected.startsWith(r.text), 'the lines before the bad event are the sequential ones');
    assert.ok(r.text.length > 0 && r.text.length < expected.length);
  });
});
