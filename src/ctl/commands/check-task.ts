/**
 * `check-task task.yaml [-e N] [-w N] [--start-time T]`: run the prechecks only. `--error` and
 * `--warn` bound how many failure and warning items the report shows (DM default 10 each);
 * `--start-time` checks the task as `start-task --start-time` would start it.
 */
import type { Command } from 'commander';
import { DEFAULT_ERROR_COUNT, DEFAULT_WARN_COUNT } from '../../pkg/api/check-filter.js';
import { readConfigFile } from '../files.js';
import { action, invalidArgs, send } from '../runtime.js';

/** A count flag: a non-negative integer. */
function count(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) invalidArgs(`${flag} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

interface Opts {
  error: number;
  warn: number;
  startTime?: string;
}

export function register(program: Command): void {
  program
    .command('check-task')
    .description('check the task config and the upstream/downstream prechecks')
    .argument('<config-file>', 'task config file')
    .option('-e, --error <count>', 'max count of errors to display', count('--error'), DEFAULT_ERROR_COUNT)
    .option('-w, --warn <count>', 'max count of warns to display', count('--warn'), DEFAULT_WARN_COUNT)
    .option(
      '--start-time <time>',
      "start time of binlog replication, e.g. '2021-10-21 00:01:00' or '2021-10-21T00:01:00+08:00'",
    )
    .action(
      action(async (file: string, opts: Opts, cmd: Command) => {
        await send(cmd, 'check-task', {
          ...readConfigFile(file),
          errCnt: opts.error,
          warnCnt: opts.warn,
          ...(opts.startTime ? { startTime: opts.startTime } : {}),
        });
      }),
    );
}
