/**
 * `encrypt PLAINTEXT`: print the password encrypted with the cluster's key (as DM, the bare
 * ciphertext, usable in source/task YAML). The key lives in the cluster, so this asks a master.
 */
import type { Command } from 'commander';
import { callMaster } from '../client.js';
import { printJson } from '../output.js';
import { action, masterAddrs } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('encrypt')
    .description('encrypt a plaintext password for use in configs')
    .argument('<plaintext>', 'the password')
    .action(
      action(async (plaintext: string, _opts: unknown, cmd: Command) => {
        const reply = await callMaster(masterAddrs(cmd), 'encrypt', { plaintext });
        if (reply.result === true && typeof reply.encrypted === 'string') {
          process.stdout.write(`${reply.encrypted}\n`);
          return;
        }
        printJson(reply);
        process.exitCode = 1;
      }),
    );
}
