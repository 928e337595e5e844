/**
 * `binlog-schema list|update|delete <task> <db> <table> [schema-file] [-s source] [--flush]
 * [--sync] [--from-source|--from-target]`: show, set or forget the structure the sync unit's
 * schema tracker holds for an upstream table (update: from a file, or DM's --from-source /
 * --from-target SHOW CREATE TABLE; --sync in optimistic mode also gives it to the master's
 * shard DDL keeper). update/delete need the subtask paused (pause-task) first, as in DM.
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
        .option('--sync', 'optimistic shard mode: give the new schema to the shard DDL coordinator too')
        .option('--from-source', "take the schema from the upstream table's SHOW CREATE TABLE")
        .option('--from-target', "take the schema from the downstream (routed) table's SHOW CREATE TABLE");
    }
    c.action(
      action(async (task: string, database: string, table: string, ...rest: unknown[]) => {
        const file = name === 'update' ? (rest[0] as string | undefined) : undefined;
        const opts = (name === 'update' ? rest[1] : rest[0]) as Opts;
        const cmd = (name === 'update' ? rest[2] : rest[1]) as Command;
        const sources = (file ? 1 : 0) + (opts.fromSource ? 1 : 0) + (opts.fromTarget ? 1 : 0);
        if (name === 'update' && sources !== 1)
          invalidArgs(
            'binlog-schema update needs exactly one of a schema file, --from-source and --from-target',
          );
        await send(cmd, 'binlog-schema', {
          op: name,
          task: taskNameArg(task),
          database,
          table,
          sources: opts.source,
          ...(file ? { schema: readConfigFile(file).content } : {}),
          flush: opts.flush !== false,
          ...(opts.fromSource ? { fromSource: true } : {}),
          ...(opts.fromTarget ? { fromTarget: true } : {}),
          ...(opts.sync ? { sync: true } : {}),
        });
      }),
    );
  };
  sub('list', 'print the tracked CREATE TABLE of a table');
  sub('update', 'set the tracked schema of a table from a file');
  sub('delete', 'drop a table from the schema tracker');
}
