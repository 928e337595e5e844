import type { PositionedEvent, RowsEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { ExtendColumns } from '../pkg/router/table-router.js';
import type { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { AppliedPosition } from './applied-position.js';
import type { ApplierPool } from './applier-pool.js';
import { changeKeys } from './causality.js';
import { tableKey } from './checkpoint.js';
import type { EventFilters } from './event-filters.js';
import {
  compareLocation,
  type DmlJob,
  formatLocation,
  type Location,
  type RowChange,
  type TableName,
} from './job.js';
import { rowChanges } from './row-changes.js';
import { tablePlan } from './sql/table-plan.js';

/** What the changes of one ROWS event share. */
interface RowsContext {
  ev: RowsEvent;
  names: string[] | undefined;
  safe: boolean;
  eventPos: Location;
  end: Location;
  noKey: boolean;
}

/**
 * What the task's rules say of one upstream table: its target, the route's extended columns
 * and whether expression filters look at its rows. The rules never change during a unit's
 * life, so this is worked out once per table instead of per event (the router and the
 * expression filter each built a name text per call: ≈ 2 % of a catch-up's main thread).
 */
interface TableRules {
  source: TableName;
  target: TableName;
  ext: ExtendColumns | undefined;
  hasExpr: boolean;
}

/** What the dispatcher needs of the sync unit. */
export interface RowsDispatcherDeps {
  tracker: SchemaTracker;
  filters: EventFilters;
  /** Where jobs go (the applier pool). */
  pool: Pick<ApplierPool, 'dispatch'>;
  applied: AppliedPosition;
  /** Per-table checkpoints of keyless tables (their changes up to it are applied). */
  tableCheckpoint: (key: string) => Location | undefined;
  /** Whether a change ending at `end` is applied in safe mode. */
  safeFor: (end: Location) => boolean;
  /** Today's structure of a table the tracker does not know (best effort). */
  loadStructure: (schema: string, table: string) => Promise<TableStructure | undefined>;
}

/**
 * ROWS events → DML jobs on the appliers: block-allow-list, the table's tracked structure,
 * row changes with the routed target, expression filters, causality keys, safe mode. Keyless
 * tables skip what their own checkpoint says is applied (a replay cannot be made idempotent
 * for them). Promises only where a dispatch has to wait: most events need none.
 */
export class RowsDispatcher {
  private readonly rules = new TableMap<TableRules>({ schemas: 10_000, tables: 100_000 });

  constructor(private readonly d: RowsDispatcherDeps) {}

  private rulesOf(schema: string, table: string): TableRules {
    let r = this.rules.get(schema, table);
    if (!r) {
      const f = this.d.filters;
      r = {
        source: { schema, table },
        target: f.route(schema, table),
        ext: f.extendColumns(schema, table),
        hasExpr: f.hasExpressionRules(schema, table),
      };
      this.rules.set(schema, table, r);
    }
    return r;
  }

  handle(ev: RowsEvent, pe: PositionedEvent, end: Location): Promise<void> | undefined {
    if (!this.d.filters.allowRows(ev)) return undefined;
    const tracked = this.d.tracker.get(ev.schema, ev.table);
    if (!tracked) return this.structureOf(ev.schema, ev.table).then((t) => this.rowsOf(ev, pe, end, t));
    return this.rowsOf(ev, pe, end, tracked);
  }

  /** A ROWS event read earlier (held by the shard step) with the structure it had then. */
  handleWith(
    ev: RowsEvent,
    pe: PositionedEvent,
    end: Location,
    t: TableStructure | undefined,
  ): Promise<void> | undefined {
    if (!this.d.filters.allowRows(ev)) return undefined;
    return this.rowsOf(ev, pe, end, t ?? this.d.tracker.get(ev.schema, ev.table));
  }

  private async structureOf(schema: string, table: string): Promise<TableStructure | undefined> {
    // Not tracked (e.g. allowed only by a later config change): best effort, today's shape.
    const t = await this.d.loadStructure(schema, table);
    if (t) this.d.tracker.put(t);
    return t;
  }

  /** Dispatch the row changes of one event; a promise only once a dispatch has to wait. */
  private rowsOf(
    ev: RowsEvent,
    pe: PositionedEvent,
    end: Location,
    t: TableStructure | undefined,
  ): Promise<void> | undefined {
    if (!t) {
      throw dmError(
        E.syncSchemaUnknown,
        `table ${ev.schema}.${ev.table} is not known to the schema tracker`,
        {
          context: { binlogPosition: formatLocation({ file: pe.file, pos: pe.pos }) },
        },
      );
    }
    // The plan caches the identity key per structure (identityKey would rescan every event).
    const noKey = tablePlan(t).identity === undefined;
    const tcp = noKey ? this.d.tableCheckpoint(tableKey({ schema: ev.schema, table: ev.table })) : undefined;
    if (tcp && compareLocation(end, tcp) <= 0) return undefined; // already applied with its table checkpoint
    const rules = this.rulesOf(ev.schema, ev.table);
    const ctx: RowsContext = {
      ev,
      // Column names only for expression filters (an array per event otherwise wasted).
      names: rules.hasExpr ? t.columns.map((c) => c.name) : undefined,
      safe: this.d.safeFor(end),
      eventPos: { file: pe.file, pos: pe.pos },
      end,
      noKey,
    };
    const changes = rowChanges(ev, t, rules.target, rules.ext, rules.source);
    for (let i = 0; i < changes.length; i++) {
      const job = this.jobOf(changes[i] as RowChange, ctx);
      if (!job) continue;
      const wait = this.d.pool.dispatch(job);
      if (wait) return this.dispatchRest(wait, changes, i + 1, ctx);
    }
    return undefined;
  }

  /** After a dispatch had to wait: the event's remaining changes, in order. */
  private async dispatchRest(
    wait: Promise<void>,
    changes: RowChange[],
    from: number,
    ctx: RowsContext,
  ): Promise<void> {
    await wait;
    for (let i = from; i < changes.length; i++) {
      const job = this.jobOf(changes[i] as RowChange, ctx);
      if (!job) continue;
      const w = this.d.pool.dispatch(job);
      if (w) await w;
    }
  }

  /** The job of one change (undefined when an expression filter drops it). */
  private jobOf(change: RowChange, ctx: RowsContext): DmlJob | undefined {
    const { ev, names } = ctx;
    if (names && this.d.filters.skipChange(ev.schema, ev.table, names, change)) return undefined;
    // The seq is taken before a possible drain: harmless, nothing else takes one meanwhile.
    return {
      seq: this.d.applied.nextSeq(),
      change,
      keys: changeKeys(change),
      eventPos: ctx.eventPos,
      eventEnd: ctx.end,
      safe: ctx.safe,
      noKey: ctx.noKey,
    };
  }
}
