import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PACKET_PAYLOAD } from './constants.js';
import { framePacket, PacketFramer } from './packet-framer.js';

function pkt(payload: Buffer, seq: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}

describe('PacketFramer', () => {
  it('returns nothing until a packet is complete, then exactly it', () => {
    const f = new PacketFramer();
    const bytes = Buffer.concat([
      pkt(Buffer.from('hello'), 3),
      pkt(Buffer.from(''), 4),
      pkt(Buffer.from('x'), 5),
    ]);
    for (let i = 0; i < 8; i++) f.push(bytes.subarray(i, i + 1));
    assert.equal(f.next(), undefined);
    f.push(bytes.subarray(8, 9));
    assert.deepEqual(f.next(), { seq: 3, payload: Buffer.from('hello') });
    f.push(bytes.subarray(9));
    assert.deepEqual(f.next(), { seq: 4, payload: Buffer.alloc(0) });
    assert.deepEqual(f.next(), { seq: 5, payload: Buffer.from('x') });
    assert.equal(f.next(), undefined);
    assert.equal(f.buffered, 0);
  });

  it('payloads are copies the framer never overwrites', () => {
    const f = new PacketFramer();
    f.push(pkt(Buffer.from('first'), 0));
    const a = f.next()!;
    f.push(pkt(Buffer.from('SECOND'), 1));
    f.next();
    assert.equal(a.payload.toString(), 'first');
  });

  it('joins 16 MiB continuation packets (including the empty terminator) into one payload', () => {
    const big = Buffer.alloc(MAX_PACKET_PAYLOAD * 2 + 10);
    for (let i = 0; i < big.length; i += 4099) big[i] = i & 0xff;
    const { bytes, nextSeq } = framePacket(big, 7);
    assert.equal(nextSeq, 10);
    const f = new PacketFramer();
    // Feed in odd-sized chunks to cross every boundary.
    for (let o = 0; o < bytes.length; o += 1_000_003) f.push(bytes.subarray(o, o + 1_000_003));
    const p = f.next()!;
    assert.equal(p.seq, 9);
    assert.ok(p.payload.equals(big));

    const exact = Buffer.alloc(MAX_PACKET_PAYLOAD, 1);
    const framed = framePacket(exact, 0);
    assert.equal(framed.bytes.length, MAX_PACKET_PAYLOAD + 8, 'an exact multiple ends with an empty packet');
    f.push(framed.bytes);
    assert.ok(f.next()!.payload.equals(exact));
  });

  it('never writes over a payload handed out, however many packets follow', () => {
    const f = new PacketFramer();
    const kept: Buffer[] = [];
    const stream = Buffer.concat(
      Array.from({ length: 3000 }, (_, i) => pkt(Buffer.alloc(1 + (i % 700), i & 0xff), i & 0xff)),
    );
    // Odd chunk sizes: packets straddle chunk and slab boundaries.
    for (let o = 0; o < stream.length; o += 4093) {
      f.push(stream.subarray(o, o + 4093));
      for (let p = f.next(); p; p = f.next()) kept.push(p.payload);
    }
    assert.equal(kept.length, 3000);
    kept.forEach((p, i) => {
      assert.equal(p.length, 1 + (i % 700));
      assert.ok(
        p.every((b) => b === (i & 0xff)),
        `payload ${i} intact`,
      );
    });
  });

  it('leaves a lead byte out when asked and present, and says so; whole payloads otherwise', () => {
    const f = new PacketFramer();
    f.push(Buffer.concat([pkt(Buffer.from('\x00event'), 1), pkt(Buffer.from('\xffboom', 'latin1'), 2)]));
    assert.deepEqual(f.next(0), { seq: 1, payload: Buffer.from('event'), stripped: true });
    assert.deepEqual(f.next(0), { seq: 2, payload: Buffer.from('\xffboom', 'latin1') });
    // A packet split across chunks comes whole (the caller strips the byte itself).
    const split = pkt(Buffer.from('\x00late'), 3);
    f.push(split.subarray(0, 6));
    assert.equal(f.next(0), undefined);
    f.push(split.subarray(6));
    assert.deepEqual(f.next(0), { seq: 3, payload: Buffer.from('\x00late') });
  });

  it('keeps working across many packets (buffer reuse and compaction)', () => {
    const f = new PacketFramer();
    let got = 0;
    for (let i = 0; i < 5000; i++) {
      f.push(pkt(Buffer.alloc(100 + (i % 900), i & 0xff), i & 0xff));
      for (let p = f.next(); p; p = f.next()) {
        assert.equal(p.payload[0], got & 0xff);
        assert.equal(p.payload.length, 100 + (got % 900));
        got++;
      }
    }
    assert.equal(got, 5000);
  });
});
