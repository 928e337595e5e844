/**
 * `shard-ddl-lock [task] [-s source]` lists the shard-DDL locks (DM's show-ddl-locks JSON:
 * `locks[]` with `ID`, `task`, `mode`, `owner`, `DDLs`, `synced`, `unsynced`);
 * `shard-ddl-lock unlock LOCK-ID [-o owner] [-f] [-a exec|skip] [-s source] [-d db] [-t table]`
 * resolves one by hand (DM's unlock-ddl-lock). The old names `show-ddl-locks` and
 * `unlock-ddl-lock` are the same commands.
 */
import type { Command } from 'commander';
import { taskNameArg } from '../files.js';
import { action, collectSources, invalidArgs, send } from '../runtime.js';

interface ShowOpts {
  source: string[];
}

interface UnlockOpts {
  owner?: string;
  forceRemove?: boolean;
  action: string;
  source: string[];
  database?: string;
  table?: string;
}

export function register(program: Command): void {
  const show = (c: Command): Command =>
    c
      .argument('[task]', 'task name or task config file')
      .option('-s, --source <names>', 'only locks these sources take part in', collectSources, [])
      .action(
        action(async (task: string | undefined, opts: ShowOpts, cmd: Command) => {
          await send(cmd, 'shard-ddl-lock', { task: task ? taskNameArg(task) : '', sources: opts.source });
        }),
      );
  const unlock = (c: Command): Command =>
    c
      .argument('<lock-id>', 'the lock ID, as `shard-ddl-lock` prints it')
      .option('-o, --owner <source>', 'source to replace the default owner')
      .option('-f, --force-remove', 'force to remove the DDL lock')
      .option('-a, --action <action>', 'skip or exec: whether the owner executes the DDLs', 'exec')
      .option('-s, --source <names>', 'sources (optimistic mode)', collectSources, [])
      .option('-d, --database <name>', 'database name of the table (optimistic mode)')
      .option('-t, --table <name>', 'table name (optimistic mode)')
      .action(
        action(async (id: string, opts: UnlockOpts, cmd: Command) => {
          if (opts.action !== 'exec' && opts.action !== 'skip')
            invalidArgs(`--action must be skip or exec, not ${opts.action}`);
          await send(cmd, 'unlock-ddl-lock', {
            id,
            owner: opts.owner ?? '',
            forceRemove: opts.forceRemove === true,
            action: opts.action,
            // `shard-ddl-lock -s X unlock …` and `shard-ddl-lock unlock … -s X`: commander gives
            // the parent command its own -s.
            sources: opts.source.length
              ? opts.source
              : ((cmd.parent?.opts() as Partial<ShowOpts> | undefined)?.source ?? []),
            database: opts.database ?? '',
            table: opts.table ?? '',
          });
        }),
      );
  const main = show(program.command('shard-ddl-lock').description('show or unlock shard DDL locks'));
  unlock(main.command('unlock').description('unlock (resolve) a shard DDL lock'));
  show(program.command('show-ddl-locks').description('show shard DDL locks (old name of shard-ddl-lock)'));
  unlock(
    program
      .command('unlock-ddl-lock')
      .description('unlock a shard DDL lock (old name of shard-ddl-lock unlock)'),
  );
}
