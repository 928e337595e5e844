import { TableMap } from '../../pkg/schema/table-map.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { DmlJob } from '../job.js';
import { tablePlan } from '../sql/table-plan.js';

/**
 * A pending row's identity key inside its target table: the value itself for one integer key
 * column (no text built per change — a catch-up keeps hundreds of thousands of keys, and every
 * retained object costs the garbage collector), else the key text (`rowKey`).
 */
export type RowId = number | string;

/** A source table, shared by its pending rows. */
export interface SourceTable {
  schema: string;
  table: string;
  /** `schema\0table`: how a flush groups the keys it deletes. */
  name: string;
  /** Its index in the routes' list (what a slot stores). */
  idx: number;
}

/** The pending rows of one target table: identity key → slot (see PendingSlots). */
export interface TableRows {
  target: { schema: string; table: string };
  /** `schema.table\0`: a row's `row_pk` in the pending-change table is this + its key text. */
  prefix: string;
  rows: Map<RowId, number>;
}

/** Where the changes of one table structure, from one source table to one target, go. */
export interface Route {
  of: TableStructure;
  target: { schema: string; table: string };
  schema: string;
  table: string;
  at: TableRows;
  source: number;
  structure: number;
  /** The one identity key column, or -1 (a composite key: its text is the key). */
  idCol: number;
}

/**
 * `r` is the route of `c`'s source and target tables (compared by name: the router hands out
 * a fresh target object per event, with the same name strings).
 */
function sameRoute(r: Route, c: DmlJob['change']): boolean {
  return (
    r.table === c.source.table &&
    r.schema === c.source.schema &&
    r.target.table === c.target.table &&
    r.target.schema === c.target.schema
  );
}

/**
 * The validator's tables: target tables with their pending rows, source tables and table
 * structures by index (what a pending row's slot stores), and per change the route to them.
 */
export class PendingRoutes {
  private readonly targets = new TableMap<TableRows>();
  private readonly sources = new TableMap<SourceTable>();
  private readonly sourceList: SourceTable[] = [];
  private readonly structureIds = new Map<TableStructure, number>();
  private readonly structureList: TableStructure[] = [];
  /**
   * Per table structure, where its changes go: looked up by the structure object alone (the
   * per-change path costs one lookup instead of four by name), valid while the change's source
   * and target names are the ones cached.
   */
  private readonly byStructure = new WeakMap<TableStructure, Route>();
  /** The last routes used (a scan of a few object identities is cheaper than the WeakMap). */
  private readonly recent: Route[] = [];

  target(target: { schema: string; table: string }): TableRows {
    let at = this.targets.get(target.schema, target.table);
    if (!at) {
      at = {
        target: { schema: target.schema, table: target.table },
        prefix: `${target.schema}.${target.table}\u0000`,
        rows: new Map(),
      };
      this.targets.set(target.schema, target.table, at);
    }
    return at;
  }

  /** The index of a source table. */
  source(schema: string, table: string): number {
    let s = this.sources.get(schema, table);
    if (!s) {
      s = { schema, table, name: `${schema}\u0000${table}`, idx: this.sourceList.length };
      this.sources.set(schema, table, s);
      this.sourceList.push(s);
    }
    return s.idx;
  }

  /** The index of a table structure. */
  structure(t: TableStructure): number {
    let i = this.structureIds.get(t);
    if (i === undefined) {
      i = this.structureList.length;
      this.structureIds.set(t, i);
      this.structureList.push(t);
    }
    return i;
  }

  sourceAt(i: number): SourceTable {
    return this.sourceList[i]!;
  }

  structureAt(i: number): TableStructure {
    return this.structureList[i]!;
  }

  tables(): Generator<TableRows> {
    return this.targets.values();
  }

  /** The route of a change. */
  of(c: DmlJob['change']): Route {
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i]!;
      if (r.of === c.table && sameRoute(r, c)) return r;
    }
    const route = this.lookUp(c);
    if (recent.length === 8) recent.pop();
    recent.unshift(route);
    return route;
  }

  private lookUp(c: DmlJob['change']): Route {
    const r = this.byStructure.get(c.table);
    if (r && sameRoute(r, c)) return r;
    const ids = tablePlan(c.table).identityCols;
    const route: Route = {
      of: c.table,
      target: c.target,
      schema: c.source.schema,
      table: c.source.table,
      at: this.target(c.target),
      source: this.source(c.source.schema, c.source.table),
      structure: this.structure(c.table),
      idCol: ids.length === 1 ? ids[0]! : -1,
    };
    this.byStructure.set(c.table, route);
    return route;
  }
}
