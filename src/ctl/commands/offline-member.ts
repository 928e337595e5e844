/** `offline-member --master|--worker --name n`: forget a stopped member. */
import type { Command } from 'commander';
import { action, invalidArgs, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('offline-member')
    .description('remove a stopped master or worker from the cluster')
    .option('--master', 'the member is a master')
    .option('--worker', 'the member is a worker')
    .option('-n, --name <name>', 'member name')
    .action(
      action(async (opts: { master?: boolean; worker?: boolean; name?: string }, cmd: Command) => {
        if (opts.master === opts.worker) invalidArgs('specify exactly one of --master and --worker');
        if (!opts.name) invalidArgs('--name is required');
        await send(cmd, 'offline-member', { type: opts.master ? 'master' : 'worker', name: opts.name });
      }),
    );
}
