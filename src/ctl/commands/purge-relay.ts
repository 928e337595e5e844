/** `purge-relay -s source -f|--filename F`: remove the source's relay files before F. */
import type { Command } from 'commander';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('purge-relay')
    .description('purge the relay log files of a source before a file')
    .option('-s, --source <names>', 'the source id', collectSources, [])
    .option('-f, --filename <name>', 'relay files before this one are removed')
    .option('--sub-dir <dir>', '(ignored: the newest sub-dir holding the file is used)')
    .action(
      action(async (opts: { source: string[]; filename?: string }, cmd: Command) => {
        if (opts.source.length !== 1) invalidArgs('purge-relay needs exactly one -s source');
        if (!opts.filename) invalidArgs('purge-relay needs --filename');
        await send(cmd, 'purge-relay', { sources: opts.source, filename: opts.filename });
      }),
    );
}
