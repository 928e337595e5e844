/** `pause-task [-s source…] <task-name | task-file>`. */
import type { Command } from 'commander';
import { taskNameArg } from '../files.js';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('pause-task')
    .description('pause a data migration task')
    .argument('<task>', 'task name or task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .action(
      action(async (task: string, opts: { source: string[] }, cmd: Command) => {
        await send(cmd, 'pause-task', { task: taskNameArg(task), sources: opts.source });
      }),
    );
}
