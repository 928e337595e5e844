import mysql from 'mysql2';

/**
 * The upstream session a DDL ran in, from its QUERY event: the statement's start time (event
 * header) and, when the upstream logged one, its session `time_zone` (status var
 * Q_TIME_ZONE_CODE). As DM's syncer (`SET TIMESTAMP = <event time>` and `SET SESSION
 * TIME_ZONE = <event zone>` around every DDL it executes), the downstream runs the DDL in
 * the same session: an `ADD COLUMN … DEFAULT CURRENT_TIMESTAMP` fills the existing rows with
 * the upstream's instant (not the later one at which the DDL is replayed), and a DATETIME
 * default computed from NOW() gets the upstream session's wall clock.
 */
export interface DdlSession {
  /** Seconds since the epoch (the QUERY event's timestamp); 0 = unknown. */
  timestamp: number;
  /** The upstream session's `time_zone`, when the event carries one. */
  timeZone?: string | undefined;
}

/** Statements around one DDL: before it, and after it (also after a failure). */
export interface DdlSessionSql {
  setup: string[];
  reset: string[];
}

/**
 * The SET statements for `s` (pure). `sessionZone` is the zone the connection was opened
 * with (the task zone, `+00:00` by default), restored after the DDL — DM restores the
 * server default instead, which here would lose the task zone of the connection. `SYSTEM`
 * (the upstream's own default zone, not an absolute one) and an empty zone are not set:
 * the DDL runs in the connection's zone.
 */
export function ddlSessionSql(s: DdlSession | undefined, sessionZone: string): DdlSessionSql {
  const setup: string[] = [];
  const reset: string[] = [];
  if (!s) return { setup, reset };
  if (Number.isFinite(s.timestamp) && s.timestamp > 0) {
    setup.push(`SET TIMESTAMP = ${Math.floor(s.timestamp)}`);
    reset.push('SET TIMESTAMP = DEFAULT');
  }
  const tz = s.timeZone?.trim();
  if (tz && tz.toUpperCase() !== 'SYSTEM' && tz !== sessionZone) {
    setup.push(`SET SESSION time_zone = ${mysql.escape(tz)}`);
    reset.push(`SET SESSION time_zone = ${mysql.escape(sessionZone)}`);
  }
  return { setup, reset };
}
