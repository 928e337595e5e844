/** `query-status [task] [-s source…] [--more] [--watch]`. */
import type { Command } from 'commander';
import { callMaster } from '../client.js';
import { taskNameArg } from '../files.js';
import { action, collectSources, masterAddrs, send } from '../runtime.js';
import { renderStatus } from '../status-view.js';

interface Opts {
  source: string[];
  more?: boolean;
  watch?: boolean;
}

export function register(program: Command): void {
  program
    .command('query-status')
    .description('query the status of tasks (all tasks when none is named)')
    .argument('[task]', 'task name or task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('--more', 'full status of every source (without a task name)')
    .option('--watch', 'human view refreshed every second (not JSON); Ctrl-C exits')
    .action(
      action(async (task: string | undefined, opts: Opts, cmd: Command) => {
        const body = {
          ...(task ? { task: taskNameArg(task) } : {}),
          sources: opts.source,
          more: opts.more === true,
        };
        if (opts.watch) return watch(masterAddrs(cmd), body);
        await send(cmd, 'query-status', body);
      }),
    );
}

/** Redraw the status every second until Ctrl-C (exit 0). */
async function watch(addrs: string[], body: unknown): Promise<void> {
  process.once('SIGINT', () => {
    process.stdout.write('\n');
    process.exit(0);
  });
  const tty = process.stdout.isTTY === true;
  for (;;) {
    let text: string;
    try {
      text = renderStatus(await callMaster(addrs, 'query-status', body));
    } catch (err) {
      text = renderStatus({ result: false, msg: (err as Error).message });
    }
    // On a terminal, redraw in place; in a pipe, append frames separated by a blank line.
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
