import type { BinlogEvent, Flavor } from '../pkg/binlog/types.js';
import { type GtidSet, parseGtidSet } from '../pkg/gtid/index.js';

/**
 * Where reading the relay log by GTID starts (DM's relay reader `getPosByGTID`), as pure
 * decisions over what the relay files say; the file reading lives in relay-gtid-start.ts.
 *
 * "Start after GTID set S" means: the first transaction not contained in S. Two steps:
 * 1. the file: the NEWEST relay file whose opening GTID list (MariaDB GTID_LIST / MySQL
 *    PREVIOUS_GTIDS: what ran before the file) is contained in S — every transaction S lacks
 *    comes in that file or later;
 * 2. the position in it: the first GTID event whose GTID S does not contain (events before
 *    it are skipped as they are read).
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

/**
 * Step 2, fed the events from the chosen file's pos 4 on, in order (following rotations):
 * `accept` is false for every event before the first GTID event `target` does not contain,
 * and true from that event on. Reading on from there (never stopping at "the end of what is
 * written") matters: the relay may still be catching up, so the end of its files says nothing.
 */
export class GtidStartFilter {
  private started = false;

  constructor(private readonly target: GtidSet) {}

  /** Whether to hand this event on. */
  accept(ev: BinlogEvent): boolean {
    if (this.started) return true;
    const gtid = ev.type === 'gtid' || ev.type === 'mariadb_gtid' ? ev.gtid : undefined;
    if (gtid && !this.target.contains(parseGtidSet(this.target.flavor, gtid))) this.started = true;
    return this.started;
  }
}

/** The flavor a GTID set's text is written in (MySQL sets carry a server UUID). */
export function flavorOfGtid(text: string): Flavor | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(t) ? 'mysql' : 'mariadb';
}
