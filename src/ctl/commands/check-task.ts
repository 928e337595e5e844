/** `check-task task.yaml`: run the prechecks only. */
import type { Command } from 'commander';
import { readConfigFile } from '../files.js';
import { action, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('check-task')
    .description('check the task config and the upstream/downstream prechecks')
    .argument('<config-file>', 'task config file')
    .action(
      action(async (file: string, _opts: unknown, cmd: Command) => {
        await send(cmd, 'check-task', readConfigFile(file));
      }),
    );
}
