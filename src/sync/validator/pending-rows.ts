import type { CellValue } from '../../pkg/binlog/types.js';
import { TableMap } from '../../pkg/schema/table-map.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { DmlJob } from '../job.js';
import { tablePlan } from '../sql/table-plan.js';
import { rowKey, sameKey } from './validator-sql.js';

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
}

/** The pending rows of one target table, by identity key. */
export interface TableRows {
  target: { schema: string; table: string };
  /** `schema.table\0`: a row's `row_pk` in the pending-change table is this + its key text. */
  prefix: string;
  rows: Map<RowId, Pending>;
}

/** One row change still to be confirmed downstream: the latest change of its table + key. */
export interface Pending {
  kind: 'upsert' | 'delete';
  source: SourceTable;
  /** Its target table (where the check looks). */
  at: TableRows;
  structure: TableStructure;
  row: CellValue[];
  firstSeen: number;
  bytes: number;
  /** The flush generation it was added in (set by `PendingRows.add`): below the current one, it is stored. */
  gen: number;
}

export type PendingEntry = [id: RowId, p: Pending];

/** A pending row as the pending-change table stores it (its structure by id, see `PendingRows.delta`). */
interface StoredPending {
  kind: Pending['kind'];
  target: TableRows['target'];
  row: unknown[];
  s: number;
}

/** `row_pk` of the pending-change rows that hold a table structure, not a row. */
export const STRUCTURE_PK = '\u0001structure:';

/** Rows to write to / delete from the pending-change table since the last flush. */
export interface PendingDelta {
  /** Keys to delete, per source table (`schema\0table`): changed or confirmed since the last flush. */
  deletes: Map<string, string[]>;
  /** `[schema_name, table_name, row_pk, data]` to insert: structures first, then rows. */
  inserts: [string, string, string, string][];
  /** Everything written anew: the table is emptied first. */
  full: boolean;
}

/** Where the changes of one table structure go (see `PendingRows.slotOf`). */
interface Slot {
  target: { schema: string; table: string };
  schema: string;
  table: string;
  at: TableRows;
  source: SourceTable;
  /** The one identity key column, or -1 (a composite key: its text is the key). */
  idCol: number;
}

/** A row's key inside its table (see RowId). */
export function rowId(t: TableStructure, row: readonly CellValue[]): RowId {
  const ids = tablePlan(t).identityCols;
  if (ids.length === 1) {
    const v = row[ids[0]!];
    if (typeof v === 'number') return v;
  }
  return rowKey(t, row);
}

/** The `row_pk` the pending-change table stores for `id` of `at`. */
function storedKey(at: TableRows, id: RowId): string {
  return at.prefix + (typeof id === 'number' ? `${id}` : id);
}

/**
 * The validator's pending rows: one entry per (target table, identity key) — a later change of
 * the same key replaces it, so memory is one entry per changed key — with their byte estimate
 * and the keys changed since the last flush, so a flush writes only what changed. Per changed
 * key it keeps the Pending object and the row image it was handed: no key text, no copies (the
 * garbage collector walks every retained object, and a catch-up keeps hundreds of thousands).
 */
export class PendingRows {
  /** Per target table. */
  private readonly targets = new TableMap<TableRows>();
  private readonly sources = new TableMap<SourceTable>();
  private count = 0;
  private bytesNow = 0;
  /**
   * Keys whose stored row (the pending-change table holds what the rows were at the last
   * flush) was replaced or dropped since then, with that row's source table: the next flush
   * deletes them. A key added since the last flush is not here: it has nothing stored, and
   * costs the flush nothing at all when it is confirmed before it (the common case: most rows
   * are checked within a checkpoint interval).
   */
  private touched = new Map<string, string>();
  /** The flush generation: entries added since the last flush carry it (see `delta`). */
  private gen = 0;
  /** Structures already in the pending-change table, by id. */
  private stored = new Map<TableStructure, number>();
  private nextStructure = 1;
  /** The next flush rewrites the table (after a load: drops structures no row uses). */
  private rewrite = true;

  private targetOf(target: { schema: string; table: string }): TableRows {
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

  private sourceOf(schema: string, table: string): SourceTable {
    let s = this.sources.get(schema, table);
    if (!s) {
      s = { schema, table, name: `${schema}\u0000${table}` };
      this.sources.set(schema, table, s);
    }
    return s;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  private tables(): Generator<TableRows> {
    return this.targets.values();
  }

  *entries(): Generator<PendingEntry> {
    for (const at of this.tables()) yield* at.rows.entries();
  }

  /** `p` is still the pending row of `id` (no newer change replaced it). */
  holds(id: RowId, p: Pending): boolean {
    return p.at.rows.get(id) === p;
  }

  /**
   * Per table structure, where its changes go: looked up by the structure object alone (the
   * per-change path costs one lookup instead of four by name), valid while the change's source
   * names and target object are the ones cached.
   */
  private readonly slots = new WeakMap<TableStructure, Slot>();

  private slotOf(c: DmlJob['change']): Slot {
    const s = this.slots.get(c.table);
    if (s && s.target === c.target && s.schema === c.source.schema && s.table === c.source.table) return s;
    const ids = tablePlan(c.table).identityCols;
    const slot: Slot = {
      target: c.target,
      schema: c.source.schema,
      table: c.source.table,
      at: this.targetOf(c.target),
      source: this.sourceOf(c.source.schema, c.source.table),
      idCol: ids.length === 1 ? ids[0]! : -1,
    };
    this.slots.set(c.table, slot);
    return slot;
  }

  /** The pending rows one applied change leaves (an update moving the key also checks the old key is gone). */
  addChange(j: DmlJob, now: number): void {
    const c = j.change;
    const t = c.table;
    const del = c.type === 'delete';
    const row = del ? c.before : c.after;
    const { at, source, idCol } = this.slotOf(c);
    // One integer key column (the common case): the key is the value, compared as is.
    const fast = idCol >= 0 && row !== undefined && typeof row[idCol] === 'number';
    if (c.type === 'update' && c.before && row) {
      const moved = fast ? c.before[idCol] !== row[idCol] : !sameKey(t, c.before, row);
      if (moved) {
        const old = rowId(t, c.before);
        if (old !== rowId(t, row)) this.add(at, old, pendingOf(source, at, t, 'delete', c.before, now));
      }
    }
    if (!row) return;
    const id = fast ? (row[idCol] as number) : rowId(t, row);
    this.add(at, id, pendingOf(source, at, t, del ? 'delete' : 'upsert', row, now));
  }

  private add(at: TableRows, id: RowId, p: Pending): void {
    const old = at.rows.get(id);
    if (old) {
      this.bytesNow -= old.bytes;
      p.firstSeen = old.firstSeen;
    } else this.count++;
    p.bytes = rowBytes(p.row);
    p.gen = this.gen;
    this.bytesNow += p.bytes;
    at.rows.set(id, p);
    if (old) this.unstore(id, old);
  }

  /** Drop `id` if it still holds `which` (a newer change of the key replaced it during a check). */
  drop(id: RowId, which: Pending): void {
    const rows = which.at.rows;
    if (rows.get(id) !== which) return;
    this.bytesNow -= which.bytes;
    this.count--;
    rows.delete(id);
    this.unstore(id, which);
  }

  /**
   * `p`, replaced or dropped, no longer stands for its key: when the table holds it (added
   * before the last flush), the next flush deletes it there (under its source table: a key of a
   * sharded target can move from one source table to another).
   */
  private unstore(id: RowId, p: Pending): void {
    if (p.gen >= this.gen) return;
    const key = storedKey(p.at, id);
    if (!this.touched.has(key)) this.touched.set(key, p.source.name);
  }

  /** Pending rows per kind, as `validation status` counts them. */
  kinds(): { insert: number; update: number; delete: number } {
    let del = 0;
    for (const at of this.tables()) for (const p of at.rows.values()) if (p.kind === 'delete') del++;
    return { insert: 0, update: this.count - del, delete: del };
  }

  /**
   * Batches of at most `size` rows of one kind and target table, oldest first (a row changed
   * again is checked once, in its latest state).
   */
  batches(size: number): PendingEntry[][] {
    const out: PendingEntry[][] = [];
    for (const at of this.tables()) {
      const byKind: Record<Pending['kind'], PendingEntry[]> = { upsert: [], delete: [] };
      for (const e of at.rows) byKind[e[1].kind].push(e);
      for (const entries of [byKind.upsert, byKind.delete]) {
        for (let i = 0; i < entries.length; i += size) out.push(entries.slice(i, i + size));
      }
    }
    return out;
  }

  /**
   * What changed since the last flush, taken in one tick (so exactly the changes delivered so
   * far) and forgotten here; `undo` puts it back when the write failed.
   */
  delta(): { delta: PendingDelta; undo: () => void } {
    const touched = this.touched;
    const stored = this.stored;
    const full = this.rewrite;
    this.touched = new Map();
    if (full) this.stored = new Map();
    const next = this.nextStructure;
    const deletes = new Map<string, string[]>();
    const inserts: [string, string, string, string][] = [];
    const structureOf = (p: Pending): number => {
      let id = this.stored.get(p.structure);
      if (id === undefined) {
        id = this.nextStructure++;
        this.stored.set(p.structure, id);
        inserts.push([p.source.schema, p.source.table, `${STRUCTURE_PK}${id}`, JSON.stringify(p.structure)]);
      }
      return id;
    };
    const put = (id: RowId, p: Pending) => {
      const s = structureOf(p);
      const stored: StoredPending = { kind: p.kind, target: p.at.target, row: p.row.map(hexCell), s };
      inserts.push([p.source.schema, p.source.table, storedKey(p.at, id), JSON.stringify(stored)]);
    };
    const gen = this.gen;
    if (!full) {
      for (const [key, table] of touched) {
        const l = deletes.get(table);
        if (l) l.push(key);
        else deletes.set(table, [key]);
      }
    }
    for (const at of this.tables()) {
      for (const [id, p] of at.rows) if (full || p.gen >= gen) put(id, p);
    }
    // Written: stored from now on (what is added while the write runs is of the next generation).
    this.gen = gen + 1;
    this.rewrite = false;
    const undo = () => {
      this.gen = gen;
      // The failed delta's tables are the older ones (what the table still holds).
      for (const [k, t] of touched) this.touched.set(k, t);
      this.stored = stored;
      if (full) this.rewrite = true;
      // Structures numbered in the failed write are not in the table: forget them.
      for (const [s, id] of this.stored) if (id >= next) this.stored.delete(s);
    };
    return { delta: { deletes, inserts, full }, undo };
  }

  /** Rebuild from the pending-change table's rows (structures are resolved by id). */
  load(rows: readonly { schema_name: string; table_name: string; row_pk: string; data: unknown }[]): void {
    const structures = new Map<number, TableStructure>();
    const parse = (d: unknown) => (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;
    for (const r of rows) {
      if (r.row_pk.startsWith(STRUCTURE_PK)) {
        structures.set(
          Number(r.row_pk.slice(STRUCTURE_PK.length)),
          parse(r.data) as unknown as TableStructure,
        );
      }
    }
    const now = Date.now();
    for (const r of rows) {
      if (r.row_pk.startsWith(STRUCTURE_PK)) continue;
      const d = parse(r.data) as unknown as StoredPending;
      const structure = structures.get(d.s);
      if (!structure) continue;
      const row = d.row.map(unhexCell);
      const at = this.targetOf(d.target);
      const source = this.sourceOf(r.schema_name, r.table_name);
      this.add(at, rowId(structure, row), pendingOf(source, at, structure, d.kind, row, now));
    }
    this.touched.clear();
    this.rewrite = true;
  }
}

function pendingOf(
  source: SourceTable,
  at: TableRows,
  structure: TableStructure,
  kind: Pending['kind'],
  row: CellValue[],
  now: number,
): Pending {
  return { kind, source, at, structure, row, firstSeen: now, bytes: 0, gen: 0 };
}

function rowBytes(row: readonly CellValue[]): number {
  let n = 64;
  for (const v of row) {
    if (v === null) n += 1;
    else if (typeof v === 'string' || Buffer.isBuffer(v)) n += v.length;
    else n += 8;
  }
  return n;
}

function hexCell(v: CellValue): unknown {
  return Buffer.isBuffer(v) ? { hex: v.toString('hex') } : v;
}

function unhexCell(v: unknown): CellValue {
  return typeof v === 'object' && v !== null && 'hex' in v
    ? Buffer.from((v as { hex: string }).hex, 'hex')
    : (v as CellValue);
}
