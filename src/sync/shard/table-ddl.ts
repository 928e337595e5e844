/**
 * What both shard modes do with table-level DDL of a shard table (DM's sharding rules):
 * CREATE TABLE joins the target's shards (the first creates the merged table, the others
 * find it), DROP TABLE leaves them and is not replicated (the merged table holds the other
 * shards' rows), TRUNCATE of one shard is not replicated, RENAME TABLE is refused.
 */
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { formatLocation, type TableName } from '../job.js';
import type { ShardDdlRequest } from './ddl-request.js';

export type TableDdlOutcome =
  | { kind: 'created'; execute: boolean }
  | { kind: 'dropped' }
  | { kind: 'skipped' }
  /** Not a table-level DDL: the mode's own coordination applies. */
  | { kind: 'alter' };

/** The shard table a DDL is about, its target, and the table-level rule's outcome. */
export interface TableDdl {
  src: TableName;
  target: TableName;
  t: TableDdlOutcome;
}

/** Undefined for a statement about no table (e.g. CREATE DATABASE): not the shard step's. */
export async function tableDdl(
  req: ShardDdlRequest,
  host: { route(schema: string, table: string): TableName; targetExists(t: TableName): Promise<boolean> },
  log: Logger,
): Promise<TableDdl | undefined> {
  const subject = req.info.refs[0];
  if (!subject || subject.table === '') return undefined;
  const src: TableName = { schema: subject.schema, table: subject.table };
  const target = host.route(src.schema, src.table);
  return { src, target, t: await tableRule(req, target, (x) => host.targetExists(x), log) };
}

async function tableRule(
  req: ShardDdlRequest,
  target: TableName,
  targetExists: (t: TableName) => Promise<boolean>,
  log: Logger,
): Promise<TableDdlOutcome> {
  switch (req.info.eventName) {
    case 'create table': {
      const exists = await targetExists(target);
      if (exists) log.info({ sql: req.sql }, 'shard table created: the merged table exists already');
      return { kind: 'created', execute: !exists };
    }
    case 'drop table':
      log.info({ sql: req.info.sql }, 'shard table dropped: it leaves its shards (not replicated)');
      return { kind: 'dropped' };
    case 'truncate table':
      log.warn({ sql: req.info.sql }, 'TRUNCATE of a shard table is not replicated to the merged table');
      return { kind: 'skipped' };
    case 'rename table':
      throw dmError(
        E.shardDdlUnsupported,
        `RENAME TABLE of a shard table is not supported in shard mode: ${req.info.sql}`,
        {
          context: { binlogPosition: formatLocation(req.at), sql: req.info.sql },
        },
      );
    default:
      return { kind: 'alter' };
  }
}
