/** `list-member [--leader|--master|--worker] [--name n,…]`. */
import type { Command } from 'commander';
import { action, collectSources, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('list-member')
    .description('list the leader, masters and workers')
    .option('--leader', 'only the leader')
    .option('--master', 'only masters')
    .option('--worker', 'only workers')
    .option('-n, --name <names>', 'only members with these names', collectSources, [])
    .action(
      action(
        async (
          opts: { leader?: boolean; master?: boolean; worker?: boolean; name: string[] },
          cmd: Command,
        ) => {
          await send(cmd, 'list-member', {
            leader: opts.leader === true,
            master: opts.master === true,
            worker: opts.worker === true,
            names: opts.name,
          });
        },
      ),
    );
}
