/**
 * The only environment variables that change how a worker runs, read here and nowhere else.
 * They are overrides for benchmarks and tests (docs/performance.md, "Environment overrides"):
 * what a task does is decided by its config. Each returns the value the code runs with when
 * the variable is unset.
 */

/** `DM_SYNC_IO_THREAD=0`: appliers' connections in the main thread instead of the I/O thread. */
export function syncIoInMainThread(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DM_SYNC_IO_THREAD === '0';
}

/**
 * `DM_DUMP_THREADS=0`: the dump's sessions in the main thread instead of worker threads
 * (their number is the task's `mydumpers.threads` either way).
 */
export function dumpSessionsInMainThread(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DM_DUMP_THREADS === '0';
}

/**
 * `DM_SHARD_HELD_MEMORY_ROWS=n`: ROWS events a shard-DDL wait holds in memory before its
 * spill file (default 20 000 in shard/held-rows.ts); lowered by tests to exercise the file.
 */
export function shardHeldMemoryRows(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.DM_SHARD_HELD_MEMORY_ROWS;
  const n = Number(v);
  return v && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * `DM_FULL_PIPELINE=0`: the load of a full phase starts only after the dump finished (DM's
 * order) instead of loading each chunk as soon as the dump wrote it.
 */
export function fullPhaseSequential(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DM_FULL_PIPELINE === '0';
}
