/**
 * `update-task [-s source…] task.yaml`: give a paused task new block-allow-list, routes,
 * filters, expression filters and syncer settings (DM's update-task); `resume-task` applies
 * them. Anything else changed in the file is refused by the master, naming the field.
 */
import type { Command } from 'commander';
import { readConfigFile } from '../files.js';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('update-task')
    .description('update the rules and syncer settings of a paused task (resume-task applies them)')
    .argument('<config-file>', 'task config file')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .action(
      action(async (file: string, opts: { source: string[] }, cmd: Command) => {
        await send(cmd, 'update-task', { ...readConfigFile(file), sources: opts.source });
      }),
    );
}
