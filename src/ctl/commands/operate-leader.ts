/**
 * `operate-leader evict|cancel-evict`. As DM, the master that receives the request acts on
 * itself (it is not forwarded): `evict` makes it resign if it leads and stop campaigning;
 * `cancel-evict` lets it campaign again. Send it to the leader's address to move leadership.
 */
import type { Command } from 'commander';
import { action, invalidArgs, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('operate-leader')
    .description('`evict`/`cancel-evict` the leader (acts on the master given by --master-addr)')
    .argument('<operate-type>', 'evict | cancel-evict')
    .action(
      action(async (op: string, _opts: unknown, cmd: Command) => {
        if (op !== 'evict' && op !== 'cancel-evict') invalidArgs(`invalid operate '${op}' on leader`);
        await send(cmd, 'operate-leader', { op });
      }),
    );
}
