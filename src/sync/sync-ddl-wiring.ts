/**
 * The sync unit's DDL path, built from the few parts of the unit it uses: the shard-DDL step
 * for the task's `shard-mode` (and its held DML) and the DDL executor that calls it.
 */
import { join } from 'node:path';
import type { PositionedEvent, RowsEvent } from '../pkg/binlog/types.js';
import { shardHeldMemoryRows } from '../pkg/config/bench-overrides.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import type { Logger } from '../pkg/log/logger.js';
import type { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { UnitDeps } from '../unit/unit.js';
import { DdlExecutor } from './ddl/ddl-executor.js';
import type { DdlSession } from './ddl/ddl-session.js';
import { OnlineDdlStore, onlineDdlRules } from './ddl/online-ddl.js';
import type { EventFilters } from './event-filters.js';
import type { Location } from './job.js';
import type { DmlHolder } from './shard/dml-holder.js';
import type { OptimistStep } from './shard/optimist-step.js';
import type { PessimistStep } from './shard/pessimist-step.js';
import { shardSteps } from './shard/shard-steps.js';

/** What the DDL path needs from the sync unit. */
export interface DdlWiringHost {
  tracker: SchemaTracker;
  filters: EventFilters;
  ctlQuery(sql: string, params?: unknown[]): Promise<unknown>;
  ddlQuery(sql: string, session: DdlSession | undefined): Promise<unknown>;
  control(): Connection;
  applied(): Location | undefined;
  dispatch(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): Promise<void>;
  /** Apply everything dispatched and move the applied position. */
  drain(): Promise<void>;
  signal(): AbortSignal;
  ensureHorizon(end: Location): Promise<void>;
  isReplay(end: Location): boolean;
  done(end: Location): Promise<void>;
}

export interface DdlWiring {
  ddl: DdlExecutor;
  pessimist: PessimistStep | undefined;
  optimist: OptimistStep | undefined;
  holder: DmlHolder | undefined;
}

export function wireDdl(cfg: SubTaskConfig, deps: UnitDeps, h: DdlWiringHost, log: Logger): DdlWiring {
  const steps = shardSteps(
    cfg,
    {
      etcd: deps.etcd,
      ctlQuery: h.ctlQuery,
      control: h.control,
      tracker: h.tracker,
      applied: h.applied,
      dispatch: h.dispatch,
      drain: h.drain,
      signal: h.signal,
      route: (s, t) => h.filters.route(s, t),
      spillPath: join(
        deps.workDir,
        `shard-held.${encodeURIComponent(cfg.name)}.${encodeURIComponent(cfg.sourceId)}`,
      ),
      ...heldMemoryLimit(),
    },
    log,
  );
  const step = steps.pessimist ?? steps.optimist;
  const ddl = new DdlExecutor({
    ...(step ? { shard: step } : {}),
    filters: h.filters,
    tracker: h.tracker,
    logger: log,
    onlineDdl: cfg.onlineDdl
      ? { rules: onlineDdlRules(cfg), store: new OnlineDdlStore(cfg.metaSchema, cfg.name, cfg.sourceId) }
      : undefined,
    host: {
      drain: h.drain,
      ensureHorizon: h.ensureHorizon,
      ctlQuery: h.ctlQuery,
      ddlQuery: h.ddlQuery,
      control: h.control,
      isReplay: h.isReplay,
      done: h.done,
    },
  });
  return {
    ddl,
    pessimist: steps.pessimist,
    optimist: steps.optimist,
    holder: steps.pessimist ?? steps.optimist?.holds,
  };
}

/** Held ROWS events kept in memory before the spill file: a test override (bench-overrides.ts). */
function heldMemoryLimit(): { heldMemoryLimit?: number } {
  const n = shardHeldMemoryRows();
  return n !== undefined ? { heldMemoryLimit: n } : {};
}
