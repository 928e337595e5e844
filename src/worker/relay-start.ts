import type { SubTaskStatus } from '../master/worker-api.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import { compareBinlogNames } from '../relay/relay-layout.js';
import type { Stage, UnitType } from '../unit/unit.js';

/** What {@link relayStartFor} needs of a subtask (SubTask satisfies it). */
export interface SubtaskPosition {
  readonly stage: Stage;
  readonly unitType: UnitType | '';
  status(): SubTaskStatus;
}

/**
 * Where a relay started while subtasks already run must begin (DM: with no relay meta, the
 * relay starts at the minimum checkpoint of the source's subtasks, so every subtask finds its
 * position in the relay): pos 4 of the oldest binlog file a live sync unit stands in.
 *
 * Undefined when that is not known for every subtask that will read (one still dumping or
 * loading, or not started yet): the relay then keeps its own default — `relay-binlog-name`,
 * or the OLDEST binlog on the server — which is never after a position the upstream still has.
 * Stopped and Finished subtasks read nothing and do not count.
 */
export function relayStartFor(subtasks: Iterable<SubtaskPosition>): BinlogLocation | undefined {
  let oldest: string | undefined;
  for (const st of subtasks) {
    if (st.stage === 'Stopped' || st.stage === 'Finished') continue;
    if (st.unitType !== 'Sync') return undefined;
    const file = parsePositionFile(st.status().sync?.syncerBinlog ?? '');
    if (!file) return undefined;
    if (oldest === undefined || compareBinlogNames(file, oldest) < 0) oldest = file;
  }
  return oldest === undefined ? undefined : { file: oldest, pos: 4 };
}

/** `(mariadb-bin.000003, 1234)` → `mariadb-bin.000003`; undefined when not of that shape. */
export function parsePositionFile(text: string): string | undefined {
  const m = /^\(\s*([^,\s]+)\s*,\s*\d+\s*\)$/.exec(text.trim());
  return m?.[1];
}
