import { withTaskTimeZone } from '../pkg/config/subtask.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';

/**
 * `±hh:mm` of a `TIMEDIFF` result such as `08:00:00.000000` or `-05:30:00` (pure; DM's
 * `dbutil.FormatTimeZoneOffset`).
 */
export function formatZoneOffset(diff: string): string {
  const m = /^(-?)(\d+):(\d{2})/.exec(diff.trim());
  if (!m) throw new Error(`unexpected time difference "${diff}"`);
  return `${m[1] === '-' ? '-' : '+'}${m[2]!.padStart(2, '0')}:${m[3]}`;
}

/**
 * A subtask without a task `timezone` (and no target session `time_zone`) runs in the target
 * server's zone, as DM does (`FetchTimeZoneSetting`: the offset between the target's NOW()
 * and UTC, read when its dump and sync units start): every session of the subtask, the
 * rendering of binlog TIMESTAMPs, expression filters' NOW() and the dump files' header use
 * that offset. A subtask with a zone is returned as it is.
 */
export async function resolveTargetTimeZone(cfg: SubTaskConfig, log?: Logger): Promise<SubTaskConfig> {
  if (cfg.timezone) return cfg;
  const c = await connectDb(cfg.to, E.dbDownstreamConnect);
  try {
    // connectDb sets the session to UTC: back to the server's default to read its zone.
    await c.query('SET SESSION time_zone = DEFAULT');
    const [rows] = await c.query('SELECT CAST(TIMEDIFF(NOW(6), UTC_TIMESTAMP(6)) AS CHAR) AS d');
    const d = String((rows as { d: unknown }[])[0]?.d ?? '00:00:00');
    const tz = formatZoneOffset(d);
    log?.info({ task: cfg.name, timezone: tz }, 'use timezone of the target');
    return withTaskTimeZone(cfg, tz);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}
