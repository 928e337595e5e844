/**
 * `binlog-schema list|update|delete <task> <db> <table> [schema-file] [-s source] [--flush]
 * [--sync]`: show, set or forget the structure the sync unit's schema tracker holds for an
 * upstream table. update/delete need the subtask paused (pause-task) first, as in DM.
 */
import type { Command } from 'commander';
import { readConfigFile, taskNameArg } from '../files.js';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

interface Opts {
  source: string[];
  flush: boolean;
  sync?: boolean;
  fromSource?: boolean;
  fromTarget?: boolean;
}

export function register(program: Command): void {
  const bs = program
    .command('binlog-schema')
    .description("manage the tracked schema of a task's upstream tables");
  const sub = (name: 'list' | 'update' | 'delete', description: string): void => {
    const c = bs
      .command(name)
      .description(description)
      .argument('<task>', 'task name or task config file')
      .argument('<database>', 'upstream database')
      .argument('<table>', 'upstream table')
      .option('-s, --source <names>', 'only these sources', collectSources, []);
    if (name === 'update') {
      c.argument('[schema-file]', 'file holding one CREATE TABLE statement')
        .option('--flush', 'persist the schema with the checkpoint at once (default)', true)
        .option('--no-flush', 'keep the change in memory until the next checkpoint')
        .option('--sync', 'sync the new schema to the optimistic shard coordinator (not supported yet)')
        .option('--from-source', 'take the schema from the upstream (not supported yet)')
        .option('--from-target', 'take the schema from the downstream (not supported yet)');
    }
    c.action(
      action(async (task: string, database: string, table: string, ...rest: unknown[]) => {
        const file = name === 'update' ? (rest[0] as string | undefined) : undefined;
        const opts = (name === 'update' ? rest[1] : rest[0]) as Opts;
        const cmd = (name === 'update' ? rest[2] : rest[1]) as Command;
        // Refused rather than ignored: the optimistic keeper learns a table's schema from its
        // next DDL only (docs/sharding.md).
        if (opts.sync)
          invalidArgs(
            '--sync is not supported yet: the optimistic coordinator learns the schema from the next DDL',
          );
        if (opts.fromSource || opts.fromTarget)
          invalidArgs('--from-source/--from-target are not supported yet');
        if (name === 'update' && !file) invalidArgs('binlog-schema update needs a schema file');
        await send(cmd, 'binlog-schema', {
          op: name,
          task: taskNameArg(task),
          database,
          table,
          sources: opts.source,
          ...(file ? { schema: readConfigFile(file).content } : {}),
          flush: opts.flush !== false,
        });
      }),
    );
  };
  sub('list', 'print the tracked CREATE TABLE of a table');
  sub('update', 'set the tracked schema of a table from a file');
  sub('delete', 'drop a table from the schema tracker');
}
