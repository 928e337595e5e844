import type { BinlogEvent, Flavor } from '../pkg/binlog/types.js';
import { type GtidSet, GtidTracker, parseGtidSet } from '../pkg/gtid/index.js';

/**
 * Where reading the relay log by GTID starts (DM's relay reader `getPosByGTID`), as pure
 * decisions over what the relay files say; the file reading lives in relay-gtid-start.ts.
 *
 * "Start after GTID set S" means: the first transaction not contained in S. Two steps:
 * 1. the file: the NEWEST relay file whose opening GTID list (MariaDB GTID_LIST / MySQL
 *    PREVIOUS_GTIDS: what ran before the file) is contained in S — every transaction S lacks
 *    comes in that file or later;
 * 2. the position in it: the first GTID event whose GTID S does not contain, or the end of
 *    the last complete transaction when the file holds only transactions of S.
 */

/** What a relay file states about the transactions before it. */
export interface RelayFileHead {
  subDir: string;
  file: string;
  /** GTID set text of its GTID_LIST / PREVIOUS_GTIDS event; undefined when it has none. */
  previous: string | undefined;
}

/**
 * Step 1: among `heads` (oldest first), the newest one whose `previous` set `target`
 * contains. Undefined when none does: the relay starts after `target` (it lacks transactions
 * the reader needs). Files without a GTID list are never chosen (their position is unknown).
 */
export function pickGtidStartFile<H extends RelayFileHead>(heads: H[], target: GtidSet): H | undefined {
  for (let i = heads.length - 1; i >= 0; i--) {
    const h = heads[i];
    if (!h || h.previous === undefined) continue;
    if (target.contains(parseGtidSet(target.flavor, h.previous))) return h;
  }
  return undefined;
}

/** Step 2's answer for one file. */
export type GtidScanResult =
  /** Start here: a transaction `target` lacks begins at `pos`. */
  | { kind: 'found'; pos: number }
  /**
   * Every transaction read is in `target`; `pos` is the end of the last complete one (or of
   * the file's opening events). `openTransaction`: the file ends inside a transaction of
   * `target` (still being written): its end is not known yet.
   */
  | { kind: 'end'; pos: number; openTransaction: boolean };

/**
 * Step 2, fed one event at a time in file order (from pos 4): `observe` returns the start
 * position as soon as it is known; `end()` answers when the file has no more events.
 */
export class GtidStartScanner {
  private readonly tracker: GtidTracker;
  private boundary = 4;

  constructor(private readonly target: GtidSet) {
    this.tracker = new GtidTracker(target.flavor, '');
  }

  /** The event at `[pos, nextPos)`; returns the start position when found. */
  observe(ev: BinlogEvent, pos: number, nextPos: number): number | undefined {
    const gtid = ev.type === 'gtid' || ev.type === 'mariadb_gtid' ? ev.gtid : undefined;
    if (gtid && !this.target.contains(parseGtidSet(this.target.flavor, gtid))) return pos;
    this.tracker.observe(ev);
    if (!this.tracker.inTransaction) this.boundary = nextPos;
    return undefined;
  }

  /** The answer at the end of the file's events. */
  end(): GtidScanResult {
    return { kind: 'end', pos: this.boundary, openTransaction: this.tracker.inTransaction };
  }
}

/** The flavor a GTID set's text is written in (MySQL sets carry a server UUID). */
export function flavorOfGtid(text: string): Flavor | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(t) ? 'mysql' : 'mariadb';
}
