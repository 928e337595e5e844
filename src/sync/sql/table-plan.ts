import { quoteId, quoteTable } from '../../pkg/db/connect.js';
import {
  type ColumnInfo,
  columnIndex,
  type IndexInfo,
  identityKey,
  isBinaryColumn,
  type TableStructure,
} from '../../pkg/schema/table-structure.js';

/** One PK/UK as column positions (for causality keys). */
export interface KeyPlan {
  name: string;
  primary: boolean;
  /** Column positions; -1 for a column the table lacks (its value reads as NULL). */
  cols: number[];
}

/**
 * Everything per-row code needs from a table's structure, worked out once per structure
 * instead of once per row: the replication hot path used to re-run `identityKey`,
 * `columnIndex` (a lower-casing scan), `isBinaryColumn` (a regex) and `quoteId` for every
 * change. Pure data; see {@link tablePlan}.
 */
export interface TablePlan {
  /** Identity key (PK, else first NOT NULL UK); undefined for a keyless table. */
  identity: IndexInfo | undefined;
  /** Positions of the identity key's columns (empty when keyless). */
  identityCols: number[];
  /** Columns DML may write (generated columns are computed downstream). */
  writable: number[];
  /** `(`a`,`b`)` over the writable columns. */
  columnList: string;
  /** Per column: its quoted name. */
  quoted: string[];
  /** Per column: binary type (a `0x…` string value is sent as bytes). */
  binary: boolean[];
  /** WHERE columns of a keyless table: every comparable (non-float, non-generated) column. */
  keylessWhere: number[];
  /** Every PK/UK, for causality keys. */
  keys: KeyPlan[];
  /** Quoted `schema`.`table` by target (routing may map one source to a few targets). */
  targets: Map<string, string>;
  /** The target quoted last (routing usually maps a table to one target). */
  lastTarget?: { schema: string; table: string; quoted: string };
}

interface Cached {
  plan: TablePlan;
  /** Identity of the parts the plan was built from: a structure is replaced, not mutated, on DDL; checked anyway. */
  columns: ColumnInfo[];
  ncols: number;
  uniqueKeys: IndexInfo[];
  nkeys: number;
}

const cache = new WeakMap<TableStructure, Cached>();

/** Approximate types must not be compared for equality in a WHERE. */
function comparable(c: ColumnInfo): boolean {
  return !/^(float|double|real)/.test(c.type) && !c.generated;
}

function build(t: TableStructure): TablePlan {
  const identity = identityKey(t);
  const writable: number[] = [];
  t.columns.forEach((c, i) => {
    if (!c.generated) writable.push(i);
  });
  const quoted = t.columns.map((c) => quoteId(c.name));
  return {
    identity,
    identityCols: identity ? identity.columns.map((n) => columnIndex(t, n)) : [],
    writable,
    columnList: `(${writable.map((i) => quoted[i]).join(',')})`,
    quoted,
    binary: t.columns.map((c) => isBinaryColumn(c)),
    keylessWhere: t.columns.map((c, i) => (comparable(c) ? i : -1)).filter((i) => i >= 0),
    keys: t.uniqueKeys.map((k) => ({
      name: k.name,
      primary: k.primary,
      cols: k.columns.map((c) => columnIndex(t, c)),
    })),
    targets: new Map(),
  };
}

/** The structure asked for last and its cache entry (the hot paths ask for one table in runs). */
let lastTable: TableStructure | undefined;
let lastEntry: Cached | undefined;

/** The (cached) plan of a table structure. */
export function tablePlan(t: TableStructure): TablePlan {
  const c = t === lastTable ? lastEntry : cache.get(t);
  if (
    c &&
    c.columns === t.columns &&
    c.ncols === t.columns.length &&
    c.uniqueKeys === t.uniqueKeys &&
    c.nkeys === t.uniqueKeys.length
  ) {
    lastTable = t;
    lastEntry = c;
    return c.plan;
  }
  const plan = build(t);
  const entry = {
    plan,
    columns: t.columns,
    ncols: t.columns.length,
    uniqueKeys: t.uniqueKeys,
    nkeys: t.uniqueKeys.length,
  };
  cache.set(t, entry);
  lastTable = t;
  lastEntry = entry;
  return plan;
}

/** `schema`.`table` of a target, quoted once per plan (the last target is checked first). */
export function quotedTarget(plan: TablePlan, target: { schema: string; table: string }): string {
  const last = plan.lastTarget;
  if (last && last.schema === target.schema && last.table === target.table) return last.quoted;
  const k = `${target.schema}\u0000${target.table}`;
  let q = plan.targets.get(k);
  if (q === undefined) {
    q = quoteTable(target.schema, target.table);
    if (plan.targets.size < 64) plan.targets.set(k, q);
  }
  plan.lastTarget = { schema: target.schema, table: target.table, quoted: q };
  return q;
}
