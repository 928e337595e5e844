import type { Location } from './job.js';

interface Boundary {
  /** Every job with seq <= this must be applied. */
  seq: number;
  loc: Location;
  /** Upstream timestamp of the event (for lag). */
  ts: number;
}

/**
 * The applied position: the last transaction boundary whose changes are all applied. Jobs get
 * increasing sequence numbers as they are dispatched; each boundary (COMMIT, XID, DDL) records
 * the last number dispatched before it. Appliers finish out of order, so the position moves to a
 * boundary only once no applier holds a job at or before it; this is what the global
 * checkpoint may save (a crash never loses a change before it).
 */
export class AppliedPosition {
  private boundaries: Boundary[] = [];
  private lastSeq = 0;
  private loc: Location | undefined;
  private ts = 0;

  /** Undefined until the start position is known (a GTID-only start before its first boundary). */
  get location(): Location | undefined {
    return this.loc;
  }

  /** Upstream timestamp (s) of the applied boundary's event; 0 before the first one. */
  get timestamp(): number {
    return this.ts;
  }

  /** Set the position outright: at start, and after a DDL (which runs with every applier drained). */
  set(loc: Location): void {
    this.loc = loc;
  }

  /** Go back to `loc` and forget pending boundaries (a replay restarts there; appliers idle). */
  rewind(loc: Location): void {
    this.boundaries = [];
    this.loc = loc;
  }

  /** The sequence number of the next dispatched job. */
  nextSeq(): number {
    return ++this.lastSeq;
  }

  /** A transaction boundary at `loc`, after every job dispatched so far. */
  boundary(loc: Location, ts: number): void {
    this.boundaries.push({ seq: this.lastSeq, loc, ts });
  }

  /** Move to the last boundary before `lowestPending`, the lowest seq an applier still holds. */
  advance(lowestPending: number): void {
    while (this.boundaries.length && (this.boundaries[0] as Boundary).seq < lowestPending) {
      const b = this.boundaries.shift() as Boundary;
      this.loc = b.loc;
      this.ts = b.ts;
    }
  }
}
