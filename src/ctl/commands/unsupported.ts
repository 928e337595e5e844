/**
 * DM commands not implemented yet: each answers `{"result": false, "msg": "… not supported
 * yet"}` with exit code 1, so scripts fail loudly instead of silently doing nothing.
 */
import type { Command } from 'commander';
import { printReply } from '../output.js';

export const UNSUPPORTED_COMMANDS = ['shard-ddl-lock'] as const;

export function register(program: Command): void {
  for (const name of UNSUPPORTED_COMMANDS) {
    program
      .command(name)
      .description(`(not supported yet) ${name}`)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action((args: string[]) => {
        const sub = args[0] && !args[0].startsWith('-') ? ` ${args[0]}` : '';
        printReply({ result: false, msg: `command ${name}${sub} is not supported yet` } as {
          result: boolean;
        });
      });
  }
}
