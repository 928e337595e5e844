/**
 * Builds the sync unit's shard-DDL step for its `shard-mode` from the few things of the unit
 * it needs (kept here so the unit only drives the pipeline).
 */
import type { Etcd3 } from 'etcd3';
import type { PositionedEvent, RowsEvent } from '../../pkg/binlog/types.js';
import type { SubTaskConfig } from '../../pkg/config/types.js';
import type { Connection } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { loadTableStructure } from '../../pkg/schema/load-structure.js';
import type { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { classifyAlter } from '../../pkg/shardddl/optimism/joined-schema.js';
import type { Location, TableName } from '../job.js';
import { OptimistStep } from './optimist-step.js';
import { PessimistStep } from './pessimist-step.js';

/** The parts of the sync unit a shard step works with. */
export interface ShardUnitParts {
  etcd: Etcd3 | undefined;
  /** A statement on the control connection (retried); its answer is the rows. */
  ctlQuery(sql: string, params?: unknown[]): Promise<unknown>;
  control(): Connection;
  tracker: SchemaTracker;
  applied(): Location | undefined;
  dispatch(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): Promise<void>;
  drain(): Promise<void>;
  signal(): AbortSignal;
  route(schema: string, table: string): TableName;
  /** Base path of the spill file of held DML beyond the memory limit. */
  spillPath: string;
  /** Held ROWS events kept in memory before spilling (default 20 000). */
  heldMemoryLimit?: number;
}

export function shardSteps(
  cfg: SubTaskConfig,
  p: ShardUnitParts,
  log: Logger,
): { pessimist?: PessimistStep; optimist?: OptimistStep } {
  if (cfg.shardMode === '') return {};
  const etcd = p.etcd;
  if (!etcd) {
    throw dmError(E.shardDdl, 'shard-mode needs the cluster etcd: run the task through dm-master', {
      context: { task: cfg.name },
    });
  }
  const targetExists = async (t: TableName): Promise<boolean> =>
    (await loadTableStructure(p.control(), t.schema, t.table)) !== undefined;
  if (cfg.shardMode === 'optimistic') {
    return {
      optimist: new OptimistStep(
        cfg,
        etcd,
        {
          targetExists,
          structure: (s, t) => p.tracker.get(s, t),
          indexChangeDone: async (sql, t) => {
            const spec = classifyAlter(sql);
            if (spec.kind !== 'add-index' && spec.kind !== 'drop-index') return false;
            const rows = (await p.ctlQuery(
              'SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1',
              [t.schema, t.table, spec.index],
            )) as unknown[];
            return spec.kind === 'add-index' ? rows.length > 0 : rows.length === 0;
          },
          signal: p.signal,
          route: p.route,
          applied: p.applied,
          trackerSnapshot: () => structuredClone(p.tracker.toJSON()),
          dispatch: p.dispatch,
          drain: p.drain,
          spillPath: p.spillPath,
          ...(p.heldMemoryLimit !== undefined ? { memoryLimit: p.heldMemoryLimit } : {}),
        },
        log,
      ),
    };
  }
  return {
    pessimist: new PessimistStep(
      cfg,
      etcd,
      {
        ctlQuery: p.ctlQuery,
        targetExists,
        applied: p.applied,
        trackerSnapshot: () => structuredClone(p.tracker.toJSON()),
        dispatch: p.dispatch,
        drain: p.drain,
        signal: p.signal,
        route: p.route,
        spillPath: p.spillPath,
        ...(p.heldMemoryLimit !== undefined ? { memoryLimit: p.heldMemoryLimit } : {}),
      },
      log,
    ),
  };
}
