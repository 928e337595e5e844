/**
 * `handle-error <task> [-s source…] [-b binlog-pos] skip|replace|revert [sqls]`: DM's older
 * (hidden) spelling of `binlog skip|replace|revert`, kept for scripts written against DM
 * v2.0. Same request, same answer; only the operation sits after the task name.
 */
import type { Command } from 'commander';
import { action, collectSources, invalidArgs } from '../runtime.js';
import { type BinlogOpts, sendBinlogOp } from './binlog.js';

export const HANDLE_ERROR_OPS = ['skip', 'replace', 'revert'] as const;

export function register(program: Command): void {
  program
    .command('handle-error')
    .description('(DM <= v2.0 spelling of `binlog`) skip/replace/revert the failed or -b binlog event')
    .argument('<task>', 'task name or task config file')
    .argument('<op>', 'skip | replace | revert')
    .argument('[sqls...]', 'replace: statements separated by ";"')
    .option('-s, --source <names>', 'only these sources', collectSources, [])
    .option('-b, --binlog-pos <pos>', 'position of the binlog event, file:pos (default: the failed event)')
    .action(
      action(async (task: string, op: string, sqls: string[], opts: BinlogOpts, cmd: Command) => {
        // DM's own checks and messages (dm/ctl/master/handle_error.go).
        if (!(HANDLE_ERROR_OPS as readonly string[]).includes(op))
          invalidArgs(`invalid operation '${op}', please use \`skip\`, \`replace\` or \`revert\``);
        if (op === 'replace' && sqls.length === 0)
          invalidArgs('must specify the replace-sqls for replace operation');
        if (op !== 'replace' && sqls.length > 0)
          invalidArgs("replace-sqls can not be used for 'skip/revert' operation");
        await sendBinlogOp(cmd, op, task, opts, op === 'replace' ? sqls : undefined);
      }),
    );
}
