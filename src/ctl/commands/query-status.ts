/**
 * `query-status [task] [-s source…] [--more] [--watch [--interval N]]`. JSON as DM by default;
 * `--watch` draws the human view (status-view.ts) every N seconds until Ctrl-C.
 */
import type { Command } from 'commander';
import { type CtlReply, callMaster } from '../client.js';
import { taskNameArg } from '../files.js';
import { action, collectSources, invalidArgs, masterAddrs, send } from '../runtime.js';
import { renderStatus } from '../status-view.js';

interface Opts {
  source: string[];
  more?: boolean;
  watch?: boolean;
  interval: number;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    invalidArgs(`--interval must be a positive number of seconds, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('query-status')
    .description('query the status of tasks (all tasks when none is named)')
    .argument('[task]', 'task name or task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('--more', 'full status of every source (without a task name)')
    .option('--watch', 'human view (a table with progress bars, not JSON), redrawn until Ctrl-C')
    .option('--interval <seconds>', 'refresh interval of --watch', seconds, 2)
    .action(
      action(async (task: string | undefined, opts: Opts, cmd: Command) => {
        const sources = opts.source;
        if (opts.watch)
          return watch(masterAddrs(cmd), task ? taskNameArg(task) : undefined, sources, opts.interval);
        await send(cmd, 'query-status', {
          ...(task ? { task: taskNameArg(task) } : {}),
          sources,
          more: opts.more === true,
        });
      }),
    );
}

/** One frame's data: the named task's reply, or one reply per task of the task list. */
async function fetchReplies(
  addrs: string[],
  task: string | undefined,
  sources: string[],
): Promise<CtlReply[]> {
  const query = (t: string): Promise<CtlReply> => callMaster(addrs, 'query-status', { task: t, sources });
  if (task) return [await query(task)];
  const list = await callMaster(addrs, 'query-status', { sources });
  if (list.result !== true) return [list];
  const names = (Array.isArray(list.tasks) ? list.tasks : []).map((t) =>
    String((t as { taskName?: unknown }).taskName),
  );
  return Promise.all(names.map(query));
}

/** Redraw every `intervalS` seconds until Ctrl-C (exit 0). */
async function watch(
  addrs: string[],
  task: string | undefined,
  sources: string[],
  intervalS: number,
): Promise<void> {
  process.once('SIGINT', () => {
    process.stdout.write('\n');
    process.exit(0);
  });
  const tty = process.stdout.isTTY === true;
  for (;;) {
    let text: string;
    try {
      text = renderStatus(await fetchReplies(addrs, task, sources));
    } catch (err) {
      text = renderStatus({ result: false, msg: (err as Error).message });
    }
    // On a terminal, redraw in place; in a pipe, append frames separated by a blank line.
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
    await new Promise((r) => setTimeout(r, intervalS * 1000));
  }
}
