/**
 * `validation start|stop|status|show-error|ignore-error|resolve-error|clear-error` with DM's
 * arguments (dm/ctl/master/*validation*.go) and DM's JSON answers.
 * `validation update --cutover-binlog-pos|--cutover-binlog-gtid` is not offered: our
 * `dmctl cutover TASK` does the final check instead (docs/validation.md).
 */
import type { Command } from 'commander';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

interface StartStopOpts {
  source: string[];
  allTask?: boolean;
  mode?: string;
  startTime?: string;
}

/** DM's parseValidationStartStopArgs: exactly one of `task-name` and `--all-task`. */
function taskOf(args: string[], allTask: boolean | undefined): string {
  if (args.length > 1) invalidArgs('too many arguments are specified');
  if ((args.length === 1) === (allTask === true))
    invalidArgs('either `task-name` or `all-task` should be set');
  return args[0] ?? '';
}

export function register(program: Command): void {
  const v = program.command('validation').description('operate or query validation task');

  v.command('start')
    .description('start to validate the completeness of the data')
    .argument('[task-name...]')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('--all-task', 'whether applied to all tasks')
    .option('--mode <mode>', 'mode of validation: full (default), fast; only when enabling a validator')
    .option('--start-time <time>', 'start time of binlog for validation (refused: see docs/validation.md)')
    .action(
      action(async (args: string[], o: StartStopOpts, cmd: Command) => {
        const taskName = taskOf(args, o.allTask);
        if (o.mode !== undefined && o.mode !== 'full' && o.mode !== 'fast') {
          invalidArgs(`mode should be either \`full\` or \`fast\`, current is \`${o.mode}\``);
        }
        await send(cmd, 'validation-start', {
          taskName,
          sources: o.source,
          ...(o.mode !== undefined ? { mode: o.mode } : {}),
          ...(o.startTime !== undefined ? { startTime: o.startTime } : {}),
        });
      }),
    );

  v.command('stop')
    .description('stop validating the completeness of the data')
    .argument('[task-name...]')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('--all-task', 'whether applied to all tasks')
    .action(
      action(async (args: string[], o: StartStopOpts, cmd: Command) => {
        await send(cmd, 'validation-stop', { taskName: taskOf(args, o.allTask), sources: o.source });
      }),
    );

  v.command('status')
    .description('query validation status of a task')
    .argument('[task-name...]')
    .option('--table-stage <stage>', 'filter validation tables by stage: running/stopped', '')
    .action(
      action(async (args: string[], o: { tableStage: string }, cmd: Command) => {
        if (args.length !== 1) invalidArgs('task name should be specified');
        if (o.tableStage !== '' && o.tableStage !== 'running' && o.tableStage !== 'stopped') {
          invalidArgs('stage should be either `running` or `stopped`');
        }
        await send(cmd, 'validation-status', { taskName: args[0], tableStage: o.tableStage });
      }),
    );

  v.command('show-error')
    .description('show validation error row change')
    .argument('[task-name...]')
    .option('--error <state>', 'filtering type of error: all, ignored, or unprocessed', 'unprocessed')
    .action(
      action(async (args: string[], o: { error: string }, cmd: Command) => {
        if (args.length !== 1) invalidArgs('task name should be specified');
        if (!['all', 'ignored', 'unprocessed'].includes(o.error)) {
          invalidArgs('error flag should be either `all`, `ignored`, or `unprocessed`');
        }
        await send(cmd, 'validation-show-error', { taskName: args[0], errState: o.error });
      }),
    );

  for (const [name, op, what] of [
    ['ignore-error', 'ignore', 'ignore'],
    ['resolve-error', 'resolve', 'resolve'],
    ['clear-error', 'clear', 'clear'],
  ] as const) {
    v.command(name)
      .description(`${what} validation error row change`)
      .argument('[args...]', '<task-name> <error-id|--all>')
      .option('--all', 'all errors')
      .action(
        action(async (args: string[], o: { all?: boolean }, cmd: Command) => {
          if (args.length < 1) invalidArgs('task name should be specified');
          if (args.length > 2) invalidArgs('too many arguments are specified');
          const id = args[1] ?? '';
          if ((id === '' && !o.all) || (id !== '' && o.all))
            invalidArgs('either `--all` or `error-id` should be set');
          if (id !== '' && !/^\d+$/.test(id))
            invalidArgs('`error-id` should be integer when `--all` is not set');
          await send(cmd, 'validation-operate-error', {
            taskName: args[0],
            op,
            errId: id === '' ? 0 : Number(id),
            isAllError: o.all === true,
          });
        }),
      );
  }
}
