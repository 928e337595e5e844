/**
 * Plain-data fixtures for the sync unit's crash-safety tests (no server): a subtask config,
 * a schema tracker with tables, ROWS events, and a scripted downstream connection that
 * records every batch it "commits".
 */
import type { CellValue, PositionedEvent, WriteRowsEvent } from '../pkg/binlog/types.js';
import { parseSourceConfig, parseTaskConfig, toSubTaskConfigs } from '../pkg/config/index.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import type { ApplierIo, ApplyConn } from './applier-io.js';
import type { Location } from './job.js';

/**
 * A subtask config with DM's defaults and no rules, compiled from a minimal task and source
 * YAML by the config code itself; `syncer` fields may be overridden.
 */
export function plainCfg(syncer: Partial<SubTaskConfig['syncer']> = {}): SubTaskConfig {
  const source = parseSourceConfig('source-id: s1\nfrom:\n  host: 127.0.0.1\n  port: 1\n  user: u\n');
  const task = parseTaskConfig(
    [
      'name: t',
      'task-mode: incremental',
      'target-database:',
      '  host: 127.0.0.1',
      '  port: 2',
      '  user: u',
      'mysql-instances:',
      '  - source-id: s1',
      '',
    ].join('\n'),
  );
  const [cfg] = toSubTaskConfigs(task, new Map([['s1', source]]));
  if (!cfg) throw new Error('no subtask config');
  return { ...cfg, syncer: { ...cfg.syncer, ...syncer } };
}

/** A tracker knowing `db.k` (keyed: id) and `db.nk` (no key). */
export function trackerWithTables(): SchemaTracker {
  const t = new SchemaTracker(false);
  t.applyDdl('CREATE TABLE k (id INT NOT NULL PRIMARY KEY, v INT)', 'db');
  t.applyDdl('CREATE TABLE nk (a INT, b INT)', 'db');
  return t;
}

export const loc = (pos: number, file = 'bin.000001'): Location => ({ file, pos });

/** A write_rows event of `db.table` at [pos, next) in bin.000001. */
export function insertRows(
  table: string,
  rows: CellValue[][],
  pos: number,
  next: number,
): PositionedEvent & { event: WriteRowsEvent } {
  const ev: WriteRowsEvent = {
    type: 'write_rows',
    header: { timestamp: 1, typeCode: 30, serverId: 1, eventSize: next - pos, logPos: next, flags: 0 },
    tableId: 1,
    schema: 'db',
    table,
    columns: ['@1', '@2'],
    rows,
  };
  return { raw: Buffer.alloc(0), event: ev, file: 'bin.000001', pos, nextPos: next };
}

/** A downstream that records committed batches; `failNext` scripts the next query's fate. */
export class ScriptedDownstream implements ApplierIo {
  /** Every `BEGIN;…;COMMIT` batch that took effect, in order. */
  readonly committed: string[] = [];
  /** Every query sent, in order. */
  readonly sent: string[] = [];
  /** Rows the keyless tables' checkpoint SELECT returns (as the table would hold them). */
  tableCheckpoints: { cp_schema: string; cp_table: string; binlog_name: string; binlog_pos: number }[] = [];
  /**
   * The next batch: 'lost-after-commit' commits it and then loses the connection (the reply
   * never arrives); 'fail' rejects it with a non-retryable error without committing.
   */
  failNext: 'lost-after-commit' | 'fail' | undefined;

  async connect(): Promise<ApplyConn> {
    return {
      query: async (sql: string) => {
        this.sent.push(sql);
        if (sql.startsWith('SELECT') && sql.includes('is_global = 0')) return [this.tableCheckpoints];
        if (!sql.startsWith('BEGIN;')) return [undefined];
        const fate = this.failNext;
        this.failNext = undefined;
        if (fate === 'fail') throw Object.assign(new Error('Duplicate entry'), { errno: 1062 });
        this.committed.push(sql);
        if (fate === 'lost-after-commit') {
          throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
            code: 'PROTOCOL_CONNECTION_LOST',
            fatal: true,
          });
        }
        return [undefined];
      },
      end: async () => undefined,
      destroy: () => undefined,
    };
  }

  async close(): Promise<void> {}
}
