import { LOG_EVENT_ARTIFICIAL_F } from '../event-type.js';
import type { BinlogEvent } from '../types.js';

/** Where one streamed event sits. */
export interface EventPlace {
  file: string;
  pos: number;
  nextPos: number;
  /**
   * Not an event of the file: the fake ROTATE that opens a dump, the artificial
   * FORMAT_DESCRIPTION sent before a dump from pos > 4 (logPos 0), heartbeats.
   * `pos` = `nextPos` = the stream position at that point.
   */
  artificial: boolean;
}

/**
 * Assigns (file, pos, nextPos) to each event of a dump stream and tracks the position after
 * the last event (the resume point). Pure: feed it decoded events in stream order.
 *
 * - Artificial events (fake ROTATE, FDE with logPos 0, events flagged
 *   LOG_EVENT_ARTIFICIAL_F, heartbeats) are not in the file: pos = nextPos = the stream position.
 * - Real events: `nextPos` = header.logPos and `pos` = logPos - eventSize (right even when the
 *   server skipped events, as MariaDB does before the start GTID).
 * - Events with logPos 0 inside a transaction (MariaDB 11.4+): `pos` = the previous nextPos,
 *   `nextPos` = pos + eventSize.
 * - A real ROTATE (end of a file) sits in the old file; the position after it is
 *   (next file, rotate.position).
 */
export class DumpPosition {
  file: string;
  pos: number;

  constructor(file: string, pos: number) {
    this.file = file;
    this.pos = pos;
  }

  place(ev: BinlogEvent): EventPlace {
    const h = ev.header;
    if (ev.type === 'rotate' && ev.fake) {
      this.file = ev.nextFile;
      this.pos = ev.position;
      return { file: this.file, pos: this.pos, nextPos: this.pos, artificial: true };
    }
    if (ev.type === 'heartbeat' || ev.type === 'heartbeat_v2') {
      return { file: this.file, pos: this.pos, nextPos: this.pos, artificial: true };
    }
    if ((h.flags & LOG_EVENT_ARTIFICIAL_F) !== 0 || (ev.type === 'format_description' && h.logPos === 0)) {
      // Made up by the server. A non-zero logPos says where the stream goes on: MariaDB's
      // fake GTID_LIST after skipping to the start GTID carries the position it skipped to.
      if (h.logPos !== 0) this.pos = h.logPos;
      return { file: this.file, pos: this.pos, nextPos: this.pos, artificial: true };
    }
    let pos: number;
    let nextPos: number;
    if (h.logPos === 0) {
      pos = this.pos;
      nextPos = pos + h.eventSize;
    } else {
      nextPos = h.logPos;
      pos = nextPos - h.eventSize;
    }
    const place = { file: this.file, pos, nextPos, artificial: false };
    if (ev.type === 'rotate') {
      this.file = ev.nextFile;
      this.pos = ev.position;
    } else {
      this.pos = nextPos;
    }
    return place;
  }
}

/** The order of binlog coordinates lives in `../position.ts`; re-exported for older callers. */
export { compareBinlogFile, compareBinlogPos } from '../position.js';
