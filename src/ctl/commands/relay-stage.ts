/**
 * `start-relay|stop-relay|pause-relay|resume-relay -s source [worker…]`: set the relay stage
 * of a source; its bound worker starts, stops, pauses or resumes the relay.
 */
import type { Command } from 'commander';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

const COMMANDS = {
  'start-relay': 'start the relay of a source on its worker',
  'stop-relay': 'stop the relay of a source on its worker',
  'pause-relay': 'pause the relay of a source',
  'resume-relay': 'resume the relay of a source',
} as const;

export function register(program: Command): void {
  for (const [name, description] of Object.entries(COMMANDS)) {
    program
      .command(name)
      .description(description)
      .argument('[workers...]', 'worker names (must be the source’s bound worker)')
      .option('-s, --source <names>', 'source ids', collectSources, [])
      .action(
        action(async (workers: string[], opts: { source: string[] }, cmd: Command) => {
          if (opts.source.length === 0) invalidArgs(`${name} needs -s source`);
          await send(cmd, name, { sources: opts.source, workers });
        }),
      );
  }
}
