import type { Connection } from '../pkg/db/connect.js';
import { compareLocation, formatLocation, type Location } from './job.js';

/**
 * The upstream master's binlog position and GTID set as last polled (query-status shows them,
 * and `synced` compares the applied position with them). Polled, not streamed: the sync unit
 * polls once a second, so between polls the master may look behind what was already read.
 */
export class MasterPosition {
  private loc: Location | undefined;
  private gtid = '';

  /** Poll `SHOW MASTER STATUS` and the binlog GTID position on the upstream connection. */
  async poll(up: Connection): Promise<void> {
    const [rows] = (await up.query('SHOW MASTER STATUS')) as unknown as [Record<string, unknown>[]];
    const r = rows[0];
    if (r) this.loc = { file: String(r.File), pos: Number(r.Position) };
    try {
      // MariaDB: the GTID position lives in a variable; MySQL lacks it and reports the set
      // in SHOW MASTER STATUS instead.
      const [g] = (await up.query('SELECT @@GLOBAL.gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
      this.gtid = g[0]?.g ?? '';
    } catch {
      this.gtid = String(r?.Executed_Gtid_Set ?? '');
    }
  }

  /**
   * The master is at least where we have applied to: a poll older than the applied position
   * is moved up to it (so `synced` does not flap between polls). Returns the position, if known.
   */
  atLeast(applied: Location | undefined): Location | undefined {
    if (this.loc && applied && compareLocation(applied, this.loc) > 0) {
      this.loc = { file: applied.file, pos: applied.pos };
    }
    return this.loc;
  }

  /** `masterBinlog` of query-status ('' before the first poll). */
  get binlog(): string {
    return this.loc ? formatLocation(this.loc) : '';
  }

  /** `masterBinlogGtid` of query-status. */
  get binlogGtid(): string {
    return this.gtid;
  }
}
