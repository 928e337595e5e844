/**
 * `cutover TASK [--set-upstream-read-only] [--timeout DURATION] [--output-dir DIR]` (ours; DM
 * has no guided cutover): the leader checks every subtask is Running in Sync, optionally makes
 * each upstream read-only, drains each source to zero lag, runs the final diff of the task's
 * tables, stops the task when they are all equal and answers a JSON report
 * (src/master/cutover-ops.ts). The exit code is 0 only when every table is equal and the task
 * was stopped. Without --set-upstream-read-only, stop writes on the upstream first.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseGoDuration } from '../../pkg/config/duration.js';
import { taskNameArg } from '../files.js';
import { action, invalidArgs, send } from '../runtime.js';

/**
 * dmctl waits at most 10 minutes for a master's answer (client.ts), and the diff runs after the
 * drain: the drain may use at most this much of it.
 */
const MAX_TIMEOUT_MS = 8 * 60_000;

export function register(program: Command): void {
  program
    .command('cutover')
    .description(
      'drain a task to zero lag, diff every table of it against the target, stop it when equal, print a report',
    )
    .argument('<task>', 'task name or task config file')
    .option(
      '--set-upstream-read-only',
      'SET GLOBAL read_only = 1 on every upstream before the drain (needs SUPER or READ_ONLY ADMIN; left on)',
    )
    .option('--timeout <duration>', 'longest wait for zero lag (Go duration, at most 8m)', '5m')
    .option(
      '--output-dir <dir>',
      "where the master writes summary.txt, sync_diff.log and fix SQL (default: a directory in the master's temp dir)",
    )
    .action(
      action(
        async (
          task: string,
          o: { timeout: string; outputDir?: string; setUpstreamReadOnly?: boolean },
          cmd: Command,
        ) => {
          const ms = parseGoDuration(o.timeout);
          if (ms === undefined || ms <= 0) invalidArgs(`--timeout ${o.timeout} is not a positive duration`);
          if (ms > MAX_TIMEOUT_MS) invalidArgs(`--timeout ${o.timeout} is longer than 8m`);
          await send(cmd, 'cutover', {
            task: taskNameArg(task),
            timeoutMs: ms,
            // Resolved here: a relative path means the operator's directory, not the master's.
            outputDir: o.outputDir ? resolve(o.outputDir) : '',
            setUpstreamReadOnly: o.setUpstreamReadOnly === true,
          });
        },
      ),
    );
}
