/** `start-task [--remove-meta] [--start-time T] [-s source…] task.yaml`. */
import type { Command } from 'commander';
import { readConfigFile } from '../files.js';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('start-task')
    .description('start a data migration task')
    .argument('<config-file>', 'task config file')
    .option('--remove-meta', "remove the task's checkpoints in the downstream meta schema first")
    .option('--start-time <time>', 'start incremental replication from this time, e.g. "2021-10-21 00:01:00"')
    .option('-s, --source <names>', 'only these sources of the task', collectSources, [])
    .action(
      action(
        async (
          file: string,
          opts: { removeMeta?: boolean; startTime?: string; source: string[] },
          cmd: Command,
        ) => {
          await send(cmd, 'start-task', {
            ...readConfigFile(file),
            removeMeta: opts.removeMeta === true,
            ...(opts.startTime ? { startTime: opts.startTime } : {}),
            sources: opts.source,
          });
        },
      ),
    );
}
