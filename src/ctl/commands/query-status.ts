/** `query-status [task] [-s source…] [--more]`. */
import type { Command } from 'commander';
import { taskNameArg } from '../files.js';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('query-status')
    .description('query the status of tasks (all tasks when none is named)')
    .argument('[task]', 'task name or task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('--more', 'full status of every source (without a task name)')
    .action(
      action(async (task: string | undefined, opts: { source: string[]; more?: boolean }, cmd: Command) => {
        await send(cmd, 'query-status', {
          ...(task ? { task: taskNameArg(task) } : {}),
          sources: opts.source,
          more: opts.more === true,
        });
      }),
    );
}
