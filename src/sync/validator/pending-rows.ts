import type { CellValue } from '../../pkg/binlog/types.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { DmlJob } from '../job.js';
import { rowKey, sameKey } from './validator-sql.js';

/** One row change still to be confirmed downstream: the latest change of its table + key. */
export interface Pending {
  kind: 'upsert' | 'delete';
  schema: string;
  table: string;
  target: { schema: string; table: string };
  structure: TableStructure;
  row: CellValue[];
  firstSeen: number;
  bytes: number;
  /** The flush generation it was added in (set by `PendingRows.add`): below the current one, it is stored. */
  gen: number;
}

export type PendingEntry = [key: string, p: Pending];

/** A pending row as the pending-change table stores it (its structure by id, see `PendingRows.delta`). */
interface StoredPending {
  kind: Pending['kind'];
  target: Pending['target'];
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

/**
 * The validator's pending rows: one entry per (target table, identity key) — a later change of
 * the same key replaces it, so memory is one entry per changed key — with their byte estimate
 * and the keys changed since the last flush, so a flush writes only what changed.
 */
export class PendingRows {
  private readonly rows = new Map<string, Pending>();
  private bytesNow = 0;
  /**
   * Keys whose stored row (the pending-change table holds what `rows` held at the last flush)
   * was replaced or dropped since then, with that row's source table: the next flush deletes
   * them. A key added since the last flush is not here: it has nothing stored, and costs the
   * flush nothing at all when it is confirmed before it (the common case: most rows are checked
   * within a checkpoint interval).
   */
  private touched = new Map<string, string>();
  /** The flush generation: entries added since the last flush carry it (see `delta`). */
  private gen = 0;
  /** Structures already in the pending-change table, by id. */
  private stored = new Map<TableStructure, number>();
  private nextStructure = 1;
  /** The next flush rewrites the table (after a load: drops structures no row uses). */
  private rewrite = true;
  /**
   * Shared strings per (schema, table): the `touched` source tables and the key prefixes of
   * target tables, so that a change allocates one key string and nothing for its table (a
   * catch-up keeps hundreds of thousands of keys here, and every retained object is walked by
   * each major GC).
   */
  private readonly names = new Map<string, Map<string, [source: string, keyPrefix: string]>>();

  private namesOf(schema: string, table: string): [string, string] {
    let bySchema = this.names.get(schema);
    if (!bySchema) {
      bySchema = new Map();
      this.names.set(schema, bySchema);
    }
    let n = bySchema.get(table);
    if (!n) {
      n = [`${schema}\u0000${table}`, `${schema}.${table}\u0000`];
      bySchema.set(table, n);
    }
    return n;
  }

  get size(): number {
    return this.rows.size;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  entries(): IterableIterator<PendingEntry> {
    return this.rows.entries();
  }

  get(key: string): Pending | undefined {
    return this.rows.get(key);
  }

  /** The pending rows one applied change leaves (an update moving the key also checks the old key is gone). */
  addChange(j: DmlJob, now: number): void {
    const c = j.change;
    const t = c.table;
    const del = c.type === 'delete';
    const row = del ? c.before : c.after;
    if (c.type === 'update' && c.before && row && !sameKey(t, c.before, row)) {
      const old = rowKey(t, c.before);
      if (old !== rowKey(t, row)) this.add(this.keyOf(c.target, old), pendingOf(j, 'delete', c.before, now));
    }
    if (!row) return;
    this.add(this.keyOf(c.target, rowKey(t, row)), pendingOf(j, del ? 'delete' : 'upsert', row, now));
  }

  private keyOf(target: { schema: string; table: string }, key: string): string {
    return this.namesOf(target.schema, target.table)[1] + key;
  }

  add(key: string, p: Pending): void {
    const old = this.rows.get(key);
    if (old) {
      this.bytesNow -= old.bytes;
      p.firstSeen = old.firstSeen;
    }
    p.bytes = rowBytes(p.row);
    p.gen = this.gen;
    this.bytesNow += p.bytes;
    this.rows.set(key, p);
    if (old) this.unstore(key, old);
  }

  /** Drop `key` if it still holds `which` (a newer change of the key replaced it during a check). */
  drop(key: string, which: Pending): void {
    const p = this.rows.get(key);
    if (!p || p !== which) return;
    this.bytesNow -= p.bytes;
    this.rows.delete(key);
    this.unstore(key, p);
  }

  /**
   * `p`, replaced or dropped, no longer stands for `key`: when the table holds it (added before
   * the last flush), the next flush deletes it there (under its source table: a key of a
   * sharded target can move from one source table to another).
   */
  private unstore(key: string, p: Pending): void {
    if (p.gen < this.gen && !this.touched.has(key)) {
      this.touched.set(key, this.namesOf(p.schema, p.table)[0]);
    }
  }

  /** Pending rows per kind, as `validation status` counts them. */
  kinds(): { insert: number; update: number; delete: number } {
    let del = 0;
    for (const p of this.rows.values()) if (p.kind === 'delete') del++;
    return { insert: 0, update: this.rows.size - del, delete: del };
  }

  /**
   * Batches of at most `size` rows of one kind and target table, oldest first (a row changed
   * again is checked once, in its latest state).
   */
  batches(size: number): PendingEntry[][] {
    const groups = new Map<string, PendingEntry[]>();
    for (const e of this.rows) {
      const p = e[1];
      const g = `${p.kind}\u0000${p.target.schema}.${p.target.table}`;
      const l = groups.get(g);
      if (l) l.push(e);
      else groups.set(g, [e]);
    }
    const out: PendingEntry[][] = [];
    for (const entries of groups.values()) {
      for (let i = 0; i < entries.length; i += size) out.push(entries.slice(i, i + size));
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
        inserts.push([p.schema, p.table, `${STRUCTURE_PK}${id}`, JSON.stringify(p.structure)]);
      }
      return id;
    };
    const put = (key: string, p: Pending) => {
      const s = structureOf(p);
      const stored: StoredPending = { kind: p.kind, target: p.target, row: p.row.map(hexCell), s };
      inserts.push([p.schema, p.table, key, JSON.stringify(stored)]);
    };
    const gen = this.gen;
    if (full) {
      for (const [key, p] of this.rows) put(key, p);
    } else {
      for (const [key, table] of touched) {
        const l = deletes.get(table);
        if (l) l.push(key);
        else deletes.set(table, [key]);
      }
      for (const [key, p] of this.rows) if (p.gen >= gen) put(key, p);
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
      this.add(r.row_pk, {
        kind: d.kind,
        schema: r.schema_name,
        table: r.table_name,
        target: d.target,
        structure,
        row: d.row.map(unhexCell),
        firstSeen: now,
        bytes: 0,
        gen: 0,
      });
    }
    this.touched.clear();
    this.rewrite = true;
  }
}

function pendingOf(j: DmlJob, kind: Pending['kind'], row: CellValue[], now: number): Pending {
  const c = j.change;
  return {
    kind,
    schema: c.source.schema,
    table: c.source.table,
    target: c.target,
    structure: c.table,
    row,
    firstSeen: now,
    bytes: 0,
    gen: 0,
  };
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
