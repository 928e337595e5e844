import { dmError, E } from '../errors/index.js';
import { BinlogDecoder } from './decoder.js';
import { EventType, HEADER_LEN } from './event-type.js';

/**
 * Cuts a binlog byte stream into chunks that can be decoded independently, each by a fresh
 * {@link BinlogDecoder}, in any order (dm-binlog decodes them on several threads). Pure over
 * bytes. A decoder's only state across events is the FORMAT_DESCRIPTION in force and the
 * TABLE_MAPs by table id; so each chunk comes with a `preamble`: the FDE in force at its start
 * and a copy of the last TABLE_MAP of every table id that a
 * row event of the chunk uses before the chunk maps it again. Decoding the preamble, then the
 * chunk, gives exactly the events a sequential decoder gives: the cut may fall anywhere
 * between two events, even inside a transaction.
 */
export interface ChunkCut {
  /** Bytes of `buf` holding whole events (0 when not even one fits). */
  end: number;
  /** Size of the incomplete event at `end`, when its header is readable (to size the next read). */
  need: number;
  /** Events to decode (and not print) before the chunk. */
  preamble: Buffer[];
  /** A malformed header at `end` (size below the header length); events before it are good. */
  error?: Error;
}

/** Row events: their post-header starts with the table id that a TABLE_MAP defined. */
const ROW_EVENTS = new Set<number>([
  EventType.WRITE_ROWS_V1,
  EventType.UPDATE_ROWS_V1,
  EventType.DELETE_ROWS_V1,
  EventType.WRITE_ROWS_V2,
  EventType.UPDATE_ROWS_V2,
  EventType.DELETE_ROWS_V2,
]);

export class BinlogChunkSplitter {
  /** Learns post-header lengths (table id width) from each FDE. */
  private readonly decoder = new BinlogDecoder({ verifyChecksum: false });
  private fde: Buffer | undefined;
  /** The last TABLE_MAP of each table id seen in earlier chunks (copies). */
  private readonly maps = new Map<number, Buffer>();

  constructor(private readonly path: string) {}

  /** An FDE read outside the chunks (e.g. at offset 4 when starting past it). */
  prime(fde: Buffer): void {
    this.decoder.decode(fde);
    this.fde = Buffer.from(fde);
  }

  /** Find the whole events of `buf` (file offset `pos`) and the preamble they need. */
  cut(buf: Buffer, pos: number): ChunkCut {
    const preamble: Buffer[] = [];
    const chunkMaps = new Map<number, number>(); // table id → offset of its last TABLE_MAP here
    const used = new Set<number>(); // table ids resolved for this chunk
    // Always: the carried TABLE_MAPs decode under it even when the chunk opens with a new FDE.
    if (this.fde) preamble.push(this.fde);
    let off = 0;
    let need = 0;
    let error: Error | undefined;
    while (off + HEADER_LEN <= buf.length) {
      const size = buf.readUInt32LE(off + 9);
      if (size < HEADER_LEN) {
        error = dmError(E.binlogFileInvalid, `${this.path}: event at ${pos + off} has size ${size}`, {
          context: { path: this.path, pos: pos + off },
        });
        break;
      }
      if (off + size > buf.length) {
        need = size;
        break;
      }
      const type = buf[off + 4]!;
      if (type === EventType.FORMAT_DESCRIPTION) {
        const raw = buf.subarray(off, off + size);
        try {
          this.decoder.decode(raw);
        } catch {
          // The chunk's own decoder reports it, in order; the old lengths stay meanwhile.
        }
        this.fde = Buffer.from(raw);
      } else if (type === EventType.TABLE_MAP) {
        const id = this.tableId(buf, off, size, type);
        chunkMaps.set(id, off);
        used.add(id);
      } else if (ROW_EVENTS.has(type)) {
        const id = this.tableId(buf, off, size, type);
        if (!used.has(id)) {
          used.add(id);
          const m = this.maps.get(id);
          if (m) preamble.push(m);
        }
      }
      off += size;
    }
    for (const [id, at] of chunkMaps) {
      this.maps.set(id, Buffer.from(buf.subarray(at, at + buf.readUInt32LE(at + 9))));
    }
    return error ? { end: off, need, preamble, error } : { end: off, need, preamble };
  }

  private tableId(buf: Buffer, off: number, size: number, type: number): number {
    const wide = this.decoder.postHeaderLen(type) !== 6;
    const at = off + HEADER_LEN;
    // A body too short for the id: the chunk's decoder reports it; any id will do here.
    if (at + 6 > off + size) return -1;
    return wide ? buf.readUIntLE(at, 6) : buf.readUInt32LE(at);
  }
}
