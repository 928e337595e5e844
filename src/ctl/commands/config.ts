/**
 * `config task|source|master|worker|task-template NAME [-p file]` shows a config (the master answers
 * `{result, msg, cfg}`; with `-p` the cfg goes to the file instead, as DM), and
 * `config export|import [-d dir]` moves all source and task configs through a directory.
 * `config task-template NAME` shows a template saved through the OpenAPI (DM's WebUI) in
 * task.yaml form; without NAME (where DM prints the usage) we print a commented task.yaml to
 * start from. `get-config TYPE NAME [-f file]` is DM's older (hidden) spelling of the first form.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { taskConfigSample } from '../../pkg/config/index.js';
import { callMaster } from '../client.js';
import { DEFAULT_CONFIG_DIR, exportConfigs, importConfigs } from '../config-dir.js';
import { printReply } from '../output.js';
import { action, invalidArgs, masterAddrs } from '../runtime.js';

const TYPES = ['task', 'source', 'master', 'worker', 'task-template'];

async function showConfig(
  cmd: Command,
  type: string,
  name: string | undefined,
  file?: string,
): Promise<void> {
  if (!TYPES.includes(type)) invalidArgs(`invalid config type '${type}'`);
  if (!name) invalidArgs(`config ${type} needs a name`);
  const reply = await callMaster(masterAddrs(cmd), 'get-config', { type, name });
  if (reply.result === true && file) {
    writeFileSync(file, String(reply.cfg ?? ''), { mode: 0o600 });
    reply.msg = `write config to file ${file} succeed`;
    reply.cfg = '';
  }
  printReply(reply);
}

export function register(program: Command): void {
  program
    .command('config')
    .description('show a config (task|source|master|worker NAME), or export/import all configs')
    .argument('<type>', 'task | source | master | worker | task-template | export | import')
    .argument('[name]', 'name (task, source, master, worker)')
    .option('-p, --path <path>', 'write the config to this file (export/import: the directory)')
    .option('-d, --dir <dir>', `export/import directory (default ./${DEFAULT_CONFIG_DIR})`)
    .action(
      action(
        async (
          type: string,
          name: string | undefined,
          opts: { path?: string; dir?: string },
          cmd: Command,
        ) => {
          if (type === 'export' || type === 'import') {
            // DM: --path wins over --dir; default ./configs.
            const dir = opts.path || opts.dir || DEFAULT_CONFIG_DIR;
            const ok =
              type === 'export'
                ? await exportConfigs(masterAddrs(cmd), dir)
                : await importConfigs(masterAddrs(cmd), dir);
            process.exitCode = ok ? 0 : 1;
            return;
          }
          if (type === 'task-template' && !name) {
            process.stdout.write(taskConfigSample());
            return;
          }
          await showConfig(cmd, type, name, opts.path);
        },
      ),
    );
  program
    .command('get-config')
    .description('(DM <= v2.0 spelling) same as `config TYPE NAME`')
    .argument('<type>', 'task | source | master | worker')
    .argument('<name>', 'name')
    .option('-f, --file <file>', 'write the config to this file')
    .action(
      action(async (type: string, name: string, opts: { file?: string }, cmd: Command) => {
        await showConfig(cmd, type, name, opts.file);
      }),
    );
}
