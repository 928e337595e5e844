/** `transfer-source <source> <worker>`: bind a source to a named free worker. */
import type { Command } from 'commander';
import { action, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('transfer-source')
    .description('transfer a source to a free worker')
    .argument('<source>', 'source name')
    .argument('<worker>', 'worker name')
    .action(
      action(async (source: string, worker: string, _opts: unknown, cmd: Command) => {
        await send(cmd, 'transfer-source', { source, worker });
      }),
    );
}
