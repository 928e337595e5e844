/** `completion bash|zsh`: print a shell completion script for dmctl (not a DM command). */
import type { Command } from 'commander';
import { bashCompletion, completionTree, SHELLS, type Shell, zshCompletion } from '../completion.js';
import { action, invalidArgs } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(dmctl completion bash)')
    .argument('<shell>', SHELLS.join(' | '))
    .action(
      action(async (shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell))
          invalidArgs(`unknown shell "${shell}": use bash or zsh`);
        const tree = completionTree(program);
        process.stdout.write((shell as Shell) === 'bash' ? bashCompletion(tree) : zshCompletion(tree));
      }),
    );
}
