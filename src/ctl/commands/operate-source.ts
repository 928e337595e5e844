/**
 * `operate-source create|stop|show [config-file | source-name …] [-w worker] [-p]`; `-w` binds
 * the one created source to that (free) worker instead of letting the scheduler choose.
 */
import type { Command } from 'commander';
import { sourceConfigSample } from '../../pkg/config/index.js';
import { isFile, readConfigFile } from '../files.js';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('operate-source')
    .description('create/stop/show upstream MySQL/MariaDB source(s)')
    .argument('[op]', 'create | stop | show')
    .argument('[files...]', 'source config files (stop/show also take source names)')
    .option('-p, --print-sample-config', 'print a sample source config')
    .option('-s, --source <names>', 'source names (show)', collectSources, [])
    .option('-w, --worker <name>', 'bind the created source to this worker')
    .action(
      action(
        async (
          op: string | undefined,
          files: string[],
          opts: { printSampleConfig?: boolean; source: string[]; worker?: string },
          cmd: Command,
        ) => {
          if (opts.printSampleConfig) {
            process.stdout.write(sourceConfigSample());
            return;
          }
          if (!op || !['create', 'stop', 'show'].includes(op))
            invalidArgs('operate-source <create|stop|show> [config-file ...]');
          if (op === 'create' && files.length === 0)
            invalidArgs('operate-source create needs at least one config file');
          if (opts.worker && op !== 'create') invalidArgs('-w/--worker is only for operate-source create');
          if (opts.worker && files.length > 1)
            invalidArgs("operate-source create can't create multiple sources when specify worker");
          const configs = [];
          const sources = [...opts.source];
          for (const f of files) {
            if (op === 'create' || isFile(f)) configs.push(readConfigFile(f));
            else sources.push(f);
          }
          await send(cmd, 'operate-source', {
            op,
            configs,
            sources,
            ...(opts.worker ? { worker: opts.worker } : {}),
          });
        },
      ),
    );
}
