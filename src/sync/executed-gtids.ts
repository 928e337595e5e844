import type { BinlogEvent, Flavor } from '../pkg/binlog/types.js';
import { GtidTracker } from '../pkg/gtid/index.js';
import type { Location } from './job.js';

/**
 * The executed GTID set following the stream the sync unit handles, stamped on the positions
 * it checkpoints (so a task can resume by GTID, e.g. on another source after a failover). The
 * flavor comes from the config, else from the start set's syntax, else from the stream itself:
 * every binlog file opens with its GTID list event, which tells.
 */
export class ExecutedGtids {
  private tracker: GtidTracker | undefined;

  /** @param startGtid the set the stream starts after; read when tracking begins. */
  constructor(private readonly startGtid: () => string | undefined) {}

  /** At init: begin tracking now when the flavor is already known. */
  begin(configured: Flavor | ''): void {
    const flavor = configured || gtidFlavor(this.startGtid());
    if (flavor) this.tracker = new GtidTracker(flavor, this.startGtid() || undefined);
  }

  /** Follow one event of the stream (every event, in order). */
  observe(ev: BinlogEvent): void {
    if (!this.tracker) {
      const flavor =
        ev.type === 'mariadb_gtid' || ev.type === 'mariadb_gtid_list'
          ? 'mariadb'
          : ev.type === 'gtid' || ev.type === 'previous_gtids'
            ? 'mysql'
            : undefined;
      if (!flavor) return;
      this.tracker = new GtidTracker(flavor, this.startGtid() || undefined);
    }
    this.tracker.observe(ev);
  }

  /** The executed set after the events observed so far (undefined when not known). */
  now(): string | undefined {
    return this.tracker?.executed?.toString() || undefined;
  }

  /** `loc` with the executed set attached, when it is known (else `loc` itself). */
  stamp(loc: Location): Location {
    const gtid = this.now();
    return gtid ? { ...loc, gtid } : loc;
  }
}

/** The flavor a GTID set is written in (`uuid:1-5` MySQL, `0-1-5` MariaDB), if any. */
function gtidFlavor(gtid: string | undefined): Flavor | undefined {
  if (!gtid) return undefined;
  return gtid.includes(':') ? 'mysql' : 'mariadb';
}
