/** `config task|source|master|worker NAME`: show a stored config (`config export|import` not yet). */
import type { Command } from 'commander';
import { printReply } from '../output.js';
import { action, invalidArgs, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('show the config of a task, source, master or worker')
    .argument('<type>', 'task | source | master | worker | export | import')
    .argument('[name]', 'name')
    .allowUnknownOption()
    .action(
      action(async (type: string, name: string | undefined, _opts: unknown, cmd: Command) => {
        if (type === 'export' || type === 'import') {
          printReply({ result: false, msg: `config ${type} is not supported yet` } as { result: boolean });
          return;
        }
        if (!['task', 'source', 'master', 'worker'].includes(type))
          invalidArgs('config <task|source|master|worker> NAME');
        if (!name) invalidArgs(`config ${type} needs a name`);
        await send(cmd, 'get-config', { type, name });
      }),
    );
}
