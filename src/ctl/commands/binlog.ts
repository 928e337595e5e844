/**
 * `binlog skip|replace|revert|inject|list <task> [-s source] [-b file:pos] [sqls]` (DM's
 * handle-error): act on the binlog event a paused subtask failed at (or the one at `-b`).
 * `replace`/`inject` take the statements as the remaining arguments, e.g.
 * `binlog replace t1 -s src-01 -b mysql-bin.000001:2345 "ALTER TABLE a ADD c2 INT; ALTER …"`.
 */
import type { Command } from 'commander';
import { splitSqls } from '../../pkg/binlog/binlog-operator.js';
import { taskNameArg } from '../files.js';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

export interface BinlogOpts {
  source: string[];
  binlogPos?: string;
}

/** Send one binlog operation; `handle-error` (DM's older spelling) shares it. */
export async function sendBinlogOp(
  cmd: Command,
  op: string,
  task: string,
  opts: BinlogOpts,
  sqlArgs: string[] | undefined,
): Promise<void> {
  const sqls = splitSqls((sqlArgs ?? []).join(' '));
  if (sqlArgs && sqls.length === 0) invalidArgs(`binlog ${op} needs SQL statements`);
  await send(cmd, 'binlog', {
    op,
    task: taskNameArg(task),
    sources: opts.source,
    ...(opts.binlogPos ? { binlogPos: opts.binlogPos } : {}),
    ...(sqlArgs ? { sqls } : {}),
  });
}

export function register(program: Command): void {
  const binlog = program
    .command('binlog')
    .description('skip, replace, inject, revert or list operations on a binlog event of a task');
  const sub = (name: string, description: string, withSql: boolean): void => {
    const c = binlog
      .command(name)
      .description(description)
      .argument('<task>', 'task name or task config file')
      .option('-s, --source <names>', 'only these sources', collectSources, [])
      .option('-b, --binlog-pos <pos>', 'position of the binlog event, file:pos (default: the failed event)');
    if (withSql) c.argument('<sqls...>', 'statements separated by ";"');
    c.action(
      action(async (task: string, ...rest: unknown[]) => {
        const sqlArgs = withSql ? (rest[0] as string[]) : undefined;
        const opts = (withSql ? rest[1] : rest[0]) as BinlogOpts;
        const cmd = (withSql ? rest[2] : rest[1]) as Command;
        await sendBinlogOp(cmd, name, task, opts, sqlArgs);
      }),
    );
  };
  sub('skip', 'skip the failed (or -b) binlog event and resume the subtask', false);
  sub('replace', 'execute these statements instead of the failed (or -b) event and resume', true);
  sub('inject', 'execute these statements before the failed (or -b) event and resume', true);
  sub('revert', 'cancel a pending operation at the failed (or -b) event', false);
  sub('list', 'list the pending operations', false);
}
