/** `resume-task [-s source…] <task-name | task-file>`. */
import type { Command } from 'commander';
import { taskNameArg } from '../files.js';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('resume-task')
    .description('resume a data migration task')
    .argument('<task>', 'task name or task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .action(
      action(async (task: string, opts: { source: string[] }, cmd: Command) => {
        await send(cmd, 'resume-task', { task: taskNameArg(task), sources: opts.source });
      }),
    );
}
