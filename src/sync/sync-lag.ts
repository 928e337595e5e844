/**
 * The sync unit's "synced" and seconds behind master (query-status): synced when every
 * applier is idle and the applied position is at the (last polled) master's; else the lag is
 * the age of the applied transaction (what DM reports as seconds behind master).
 */
import { compareLocation, type Location } from './job.js';

export function syncLag(
  applied: Location | undefined,
  appliedTimestamp: number,
  idle: boolean,
  master: Location | undefined,
): { synced: boolean; secondsBehindMaster: number } {
  const synced =
    idle && master !== undefined && applied !== undefined && compareLocation(applied, master) >= 0;
  const secondsBehindMaster =
    synced || appliedTimestamp === 0 ? 0 : Math.max(0, Math.round(Date.now() / 1000 - appliedTimestamp));
  return { synced, secondsBehindMaster };
}

/**
 * Replication is catching up: the applied changes are this far behind the source or more. The
 * appliers then fill short batches (applier.ts) and the validator's checks wait (validator.ts).
 */
export function catchingUp(secondsBehindMaster: number): boolean {
  return secondsBehindMaster >= 2;
}

/** Runs `every` on an interval until the returned stop is called (a first call at once when `now`). */
export function interval(ms: number, every: () => void, now = false): () => void {
  const t = setInterval(every, ms);
  if (now) every();
  return () => clearInterval(t);
}
