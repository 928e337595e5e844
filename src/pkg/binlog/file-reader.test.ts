import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { E, isDmError } from '../errors/index.js';
import { BinlogDecoder } from './decoder.js';
import { readBinlogFile } from './file-reader.js';
import { formatEventJson } from './json-format.js';
import type { PositionedEvent } from './types.js';

/**
 * A real binlog written by MariaDB 10.11 (binlog_row_metadata=FULL, CRC32): CREATE TABLE a (id
 * INT PRIMARY KEY, v VARCHAR(20), d DECIMAL(10,4), u BIGINT UNSIGNED, j JSON, dt DATETIME(3),
 * tm TIME(2), ts TIMESTAMP(6) NULL, f FLOAT, e ENUM('x','y'), s SET('a','b','c'), b BLOB,
 * l VARCHAR(10) latin1), one INSERT, UPDATE v='x', DELETE, FLUSH BINARY LOGS.
 */
const REAL = Buffer.from(
  '/mJpblBrB2sPkhgAAPwAAAAAAQAAAAAEADEwLjExLjE5LU1hcmlhREItMCtkZWIxMnUxLWxvZwAAAAAAAAAAAAAAAAAAAAAAAAAAUGsHaxM4DQAIABIABAQEBBIAAOQABBoIAAAACAgIAgAAAAoKCgAAAAAAAAoKCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBMEAA0ICAgKCgoBQmRP1lBrB2ujkhgAAB0AAAAdAQAAAAAAAAAAAAAsT5TVUGsHa6GSGAAALQAAAEoBAAAAABIAAABtYXJpYWRiLWJpbi4wMDAwMDFf7WHYUGsHa6KSGAAAKgAAAHQBAAAIAAEAAAAAAAAAAAAAACkAAAAAAADusMsYUGsHawKSGAAAUQAAAMUBAAAIAAUAAAAAAAAAAQAAGgAAAAAAAQEIACBUAAAAAAYDc3RkBOAA4AAtAHQAQ1JFQVRFIERBVEFCQVNFIHTQvG5BUGsHa6KSGAAAKgAAAO8BAAAIAAIAAAAAAAAAAAAAACkAAAAAAAB+BUZXUGsHawKSGAAAMwEAACIDAAAAAAUAAAAAAAAAAQAAIwAAAAAAAQEIACBUAAAAAAYDc3RkBOAA4AAtAIEEAAAAAAAAAHQAQ1JFQVRFIFRBQkxFIGEgKGlkIElOVCBQUklNQVJZIEtFWSwgdiBWQVJDSEFSKDIwKSwgZCBERUNJTUFMKDEwLDQpLCB1IEJJR0lOVCBVTlNJR05FRCwgaiBKU09OLCBkdCBEQVRFVElNRSgzKSwgdG0gVElNRSgyKSwgdHMgVElNRVNUQU1QKDYpIE5VTEwsIGYgRkxPQVQsIGUgRU5VTSgneCcsJ3knKSwgcyBTRVQoJ2EnLCdiJywnYycpLCBiIEJMT0IsIGwgVkFSQ0hBUigxMCkgQ0hBUkFDVEVSIFNFVCBsYXRpbjEpDcgYT1BrB2uikhgAACoAAABMAwAACAADAAAAAAAAAAAAAAAMAAAAAAAALpbz7FBrB2ugkhgAANIAAAAeBAAAAABJTlNFUlQgSU5UTyBhIFZBTFVFUyAoMSwnaMOpbGxv8J+YgCcsJy0xMi4zNDAwJywxODQ0Njc0NDA3MzcwOTU1MTYxNSwneyJhIjpbMSwyXX0nLCcyMDI0LTAxLTAyIDAzOjA0OjA1LjY3OCcsJy04Mzg6NTk6NTkuMDAnLCcyMDI0LTAxLTAyIDAzOjA0OjA1LjEyMzQ1NicsMC4xLCd5JywnYSxjJyx4JzAwZmYnLCdjYWbDqeKCrCcpOs3fHlBrB2sTkhgAAIUAAACjBAAAAAASAAAAAAABAAF0AAFhAA0DD/YI/BITEQT+/vwPEFAACgQEAwIGBPcB+AECCgD+HwEBIAMELS4/CAQeAmlkAXYBZAF1AWoCZHQCdG0CdHMBZgFlAXMBYgFsCgEtBQcDAWEBYgFjBgUCAXgBeQgBAJ6tmvFQawdrF5IYAABxAAAAFAUAAAAAEgAAAAAAAQAN/x8A4AEAAAAKaMOpbGxv8J+YgH//8/K3//////////8LAAAAeyJhIjpbMSwyXX2ZskQxBRp8S5EFAGWTfSUB4kDNzMw9AgUCAAD/BWNhZumAW8vzvVBrB2sQkhgAAB8AAAAzBQAAAAAFAAAAAAAAAGRTH2tQawdropIYAAAqAAAAXQUAAAgABAAAAAAAAAAAAAAADAAAAAAAAFX4bOtQawdroJIYAAA0AAAAkQUAAAAAVVBEQVRFIGEgU0VUIHY9J3gnIFdIRVJFIGlkPTGtqdSxUGsHaxOSGAAAhQAAABYGAAAAABIAAAAAAAEAAXQAAWEADQMP9gj8EhMRBP7+/A8QUAAKBAQDAgYE9wH4AQIKAP4fAQEgAwQtLj8IBB4CaWQBdgFkAXUBagJkdAJ0bQJ0cwFmAWUBcwFiAWwKAS0FBwMBYQFiAWMGBQIBeAF5CAEA1Ev1llBrB2sYkhgAALkAAADPBgAAAAASAAAAAAABAA3/H/8fAOABAAAACmjDqWxsb/CfmIB///Pyt///////////CwAAAHsiYSI6WzEsMl19mbJEMQUafEuRBQBlk30lAeJAzczMPQIFAgAA/wVjYWbpgADgAQAAAAF4f//z8rf//////////wsAAAB7ImEiOlsxLDJdfZmyRDEFGnxLkQUAZZN9JQHiQM3MzD0CBQIAAP8FY2Fm6YBRdxQ+UGsHaxCSGAAAHwAAAO4GAAAAAAYAAAAAAAAAbWzYS1BrB2uikhgAACoAAAAYBwAACAAFAAAAAAAAAAAAAAAMAAAAAAAADvWuAFBrB2ugkhgAACQAAAA8BwAAAABERUxFVEUgRlJPTSBhrF13RFBrB2sTkhgAAIUAAADBBwAAAAASAAAAAAABAAF0AAFhAA0DD/YI/BITEQT+/vwPEFAACgQEAwIGBPcB+AECCgD+HwEBIAMELS4/CAQeAmlkAXYBZAF1AWoCZHQCdG0CdHMBZgFlAXMBYgFsCgEtBQcDAWEBYgFjBgUCAXgBeQgBAI01h2JQawdrGZIYAABoAAAAKQgAAAAAEgAAAAAAAQAN/x8A4AEAAAABeH//8/K3//////////8LAAAAeyJhIjpbMSwyXX2ZskQxBRp8S5EFAGWTfSUB4kDNzMw9AgUCAAD/BWNhZumAsP7arFBrB2sQkhgAAB8AAABICAAAAAAHAAAAAAAAAM+8QctQawdrBJIYAAAxAAAAeQgAAAAABAAAAAAAAABtYXJpYWRiLWJpbi4wMDAwMDK2cSlC',
  'base64',
);

const dir = mkdtempSync(join(tmpdir(), 'dm-binlog-fr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(
  path: string,
  opts?: Parameters<typeof readBinlogFile>[1],
): Promise<PositionedEvent[]> {
  const out: PositionedEvent[] = [];
  for await (const e of readBinlogFile(path, opts)) out.push(e);
  return out;
}

describe('readBinlogFile on a real MariaDB binlog', () => {
  const path = join(dir, 'mariadb-bin.000001');
  writeFileSync(path, REAL);

  it('yields every event with positions that chain, and decodes rows', async () => {
    const evs = await collect(path);
    assert.deepEqual(
      evs.map((e) => e.event.type),
      [
        'format_description',
        'mariadb_gtid_list',
        'mariadb_binlog_checkpoint',
        'mariadb_gtid',
        'query',
        'mariadb_gtid',
        'query',
        'mariadb_gtid',
        'mariadb_annotate_rows',
        'table_map',
        'write_rows',
        'xid',
        'mariadb_gtid',
        'mariadb_annotate_rows',
        'table_map',
        'update_rows',
        'xid',
        'mariadb_gtid',
        'mariadb_annotate_rows',
        'table_map',
        'delete_rows',
        'xid',
        'rotate',
      ],
    );
    let pos = 4;
    for (const e of evs) {
      assert.equal(e.pos, pos);
      assert.equal(e.file, 'mariadb-bin.000001');
      assert.equal(e.raw.length, e.nextPos - e.pos);
      assert.equal(e.event.header.logPos, e.nextPos);
      pos = e.nextPos;
    }
    assert.equal(pos, REAL.length);
    const w = evs[10]!.event;
    assert.equal(w.type, 'write_rows');
    if (w.type !== 'write_rows') return;
    assert.deepEqual(w.columns, ['id', 'v', 'd', 'u', 'j', 'dt', 'tm', 'ts', 'f', 'e', 's', 'b', 'l']);
    assert.deepEqual(w.rows, [
      [
        1,
        'héllo😀',
        '-12.3400',
        '18446744073709551615',
        '{"a":[1,2]}',
        '2024-01-02 03:04:05.678',
        '-838:59:59.00',
        '2024-01-02 03:04:05.123456',
        0.1,
        'y',
        ['a', 'c'],
        Buffer.from([0x00, 0xff]),
        'café€',
      ],
    ]);
    assert.equal(
      formatEventJson(evs[10]!),
      '{"type":"write_rows","file":"mariadb-bin.000001","pos":1187,"nextPos":1300,"timestamp":' +
        w.header.timestamp +
        ',"serverId":' +
        w.header.serverId +
        ',"tableId":18,"schema":"t","table":"a","columns":["id","v","d","u","j","dt","tm","ts","f","e","s","b","l"],' +
        '"rows":[[1,"héllo😀","-12.3400","18446744073709551615","{\\"a\\":[1,2]}","2024-01-02 03:04:05.678",' +
        '"-838:59:59.00","2024-01-02 03:04:05.123456",0.1,"y",["a","c"],"0x00FF","café€"]]}',
    );
    const rot = evs.at(-1)!.event;
    assert.ok(rot.type === 'rotate' && rot.nextFile === 'mariadb-bin.000002' && !rot.fake);
  });

  it('reads with tiny chunks the same as with big ones', async () => {
    const a = await collect(path);
    const b = await collect(path, { chunkSize: 64 });
    assert.deepEqual(
      b.map((e) => [e.pos, e.event.type]),
      a.map((e) => [e.pos, e.event.type]),
    );
  });

  it('startPos skips ahead but still learns the checksum from the FDE', async () => {
    const evs = await collect(path, { startPos: 1054 });
    assert.equal(evs[0]!.event.type, 'table_map');
    assert.equal(evs[1]!.event.type, 'write_rows');
  });

  it('decode:false yields raw events cheaply', async () => {
    const evs = await collect(path, { decode: false });
    assert.equal(evs[10]!.event.type, 'unknown');
    assert.equal(evs[10]!.event.type === 'unknown' && evs[10]!.event.name, 'write_rows_v1');
    assert.equal(evs[0]!.event.type, 'format_description');
  });

  it('a torn last event ends the stream quietly', async () => {
    const torn = join(dir, 'torn.000001');
    writeFileSync(torn, REAL.subarray(0, 1190));
    const evs = await collect(torn);
    assert.equal(evs.at(-1)!.nextPos, 1187);
  });

  it('a flipped byte is caught by the CRC', async () => {
    const bad = join(dir, 'bad.000001');
    const copy = Buffer.from(REAL);
    copy[1250] = copy[1250]! ^ 0x01;
    writeFileSync(bad, copy);
    await assert.rejects(collect(bad), (e) => isDmError(e, E.binlogChecksumMismatch));
  });

  it('rejects a file without the binlog magic', async () => {
    const bad = join(dir, 'notbinlog');
    writeFileSync(bad, 'hello world');
    await assert.rejects(collect(bad), (e) => isDmError(e, E.binlogFileInvalid));
  });

  it('a shared decoder keeps table maps across files', async () => {
    const d = new BinlogDecoder();
    const first = await collect(path, { decoder: d, startPos: 1054 });
    assert.equal(first[1]!.event.type, 'write_rows');
    assert.equal(d.checksumAlg, 'crc32');
  });
});
