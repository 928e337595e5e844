import type { CellValue } from '../../pkg/binlog/types.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { DmlJob } from '../job.js';
import { tablePlan } from '../sql/table-plan.js';
import { PendingRoutes, type RowId, type SourceTable, type TableRows } from './pending-routes.js';
import {
  CHUNK,
  GEN,
  KIND,
  LENGTH,
  OFFSET,
  PendingSlots,
  SOURCE,
  STRIDE,
  STRUCTURE,
  VER,
} from './pending-slots.js';
import { RowArena } from './row-arena.js';
import { rowKey, sameKey } from './validator-sql.js';

export type { RowId, SourceTable, TableRows };

/**
 * One row change still to be confirmed downstream (the latest change of its table + key), as
 * read from its slot: `holds` tells whether it still stands (no newer change replaced it).
 */
export interface Pending {
  kind: 'upsert' | 'delete';
  source: SourceTable;
  /** Its target table (where the check looks). */
  at: TableRows;
  structure: TableStructure;
  row: CellValue[];
  firstSeen: number;
  slot: number;
  /** The slot's version when read. */
  ver: number;
}

export type PendingEntry = [id: RowId, p: Pending];

/** A batch to check: keys of one target table and kind, read (`open`) only when checked. */
export interface PendingBatch {
  at: TableRows;
  refs: [id: RowId, slot: number, ver: number][];
}

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

/** What a pending row costs beyond its encoded image (slot, key map entry), for max-pending-row-size. */
const ROW_OVERHEAD = 64;

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
 * and the keys changed since the last flush, so a flush writes only what changed. A row's
 * fields live in a slot of typed arrays and its image as bytes in a RowArena: the per-change
 * path allocates nothing that outlives it (the garbage collector would copy and walk every
 * retained object, and a catch-up keeps hundreds of thousands).
 */
export class PendingRows {
  private readonly routes = new PendingRoutes();
  private readonly slots = new PendingSlots();
  private arena = new RowArena();
  private count = 0;
  private deletes = 0;
  private bytesNow = 0;
  /**
   * Keys whose stored row (the pending-change table holds what the rows were at the last
   * flush) was replaced or dropped since then, with that row's source table: the next flush
   * deletes them. A key added since the last flush is not here: it has nothing stored, and
   * costs the flush nothing at all when it is confirmed before it (the common case: most rows
   * are checked within a checkpoint interval).
   */
  private touched = new Map<string, string>();
  /** The flush generation: rows added since the last flush carry it (see `delta`). */
  private gen = 0;
  /** Structures already in the pending-change table, by id. */
  private stored = new Map<TableStructure, number>();
  private nextStructure = 1;
  /** The next flush rewrites the table (after a load: drops structures no row uses). */
  private rewrite = true;

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  /** Bytes of the chunks that hold the row images. */
  get heldBytes(): number {
    return this.arena.chunkBytes;
  }

  private tables(): Generator<TableRows> {
    return this.routes.tables();
  }

  /** The pending row in slot `s` of `at`, read. */
  private view(at: TableRows, s: number): Pending {
    const f = this.slots.f;
    const b = s * STRIDE;
    return {
      kind: f[b + KIND] === 1 ? 'delete' : 'upsert',
      source: this.routes.sourceAt(f[b + SOURCE]!),
      at,
      structure: this.routes.structureAt(f[b + STRUCTURE]!),
      row: this.arena.get(f[b + CHUNK]!, f[b + OFFSET]!, f[b + LENGTH]!),
      firstSeen: this.slots.firstSeen[s]!,
      slot: s,
      ver: f[b + VER]!,
    };
  }

  *entries(): Generator<PendingEntry> {
    for (const at of this.tables()) for (const [id, s] of at.rows) yield [id, this.view(at, s)];
  }

  /** `p` is still the pending row of `id` (no newer change replaced it). */
  holds(id: RowId, p: Pending): boolean {
    return p.at.rows.get(id) === p.slot && this.slots.f[p.slot * STRIDE + VER] === p.ver;
  }

  /** The pending rows one applied change leaves (an update moving the key also checks the old key is gone). */
  addChange(j: DmlJob, now: number): void {
    const c = j.change;
    const t = c.table;
    const del = c.type === 'delete';
    const row = del ? c.before : c.after;
    const r = this.routes.of(c);
    const idCol = r.idCol;
    // One integer key column (the common case): the key is the value, compared as is.
    const fast = idCol >= 0 && row !== undefined && typeof row[idCol] === 'number';
    if (c.type === 'update' && c.before && row) {
      const moved = fast ? c.before[idCol] !== row[idCol] : !sameKey(t, c.before, row);
      if (moved) {
        const old = rowId(t, c.before);
        if (old !== rowId(t, row)) this.add(r.at, old, 1, r.source, r.structure, c.before, now);
      }
    }
    if (!row) return;
    const id = fast ? (row[idCol] as number) : rowId(t, row);
    this.add(r.at, id, del ? 1 : 0, r.source, r.structure, row, now);
  }

  private add(
    at: TableRows,
    id: RowId,
    kind: number,
    source: number,
    structure: number,
    row: readonly CellValue[],
    now: number,
  ): void {
    const S = this.slots;
    let s = at.rows.get(id);
    if (s !== undefined) {
      // A newer change of the key: the slot is reused, dated by the key's first change.
      this.forget(at, id, s);
    } else {
      s = S.alloc();
      at.rows.set(id, s);
      this.count++;
      S.firstSeen[s] = now;
    }
    const arena = this.arena;
    arena.put(row);
    const f = S.f;
    const b = s * STRIDE;
    f[b + KIND] = kind;
    f[b + SOURCE] = source;
    f[b + STRUCTURE] = structure;
    f[b + GEN] = this.gen;
    f[b + CHUNK] = arena.chunk;
    f[b + OFFSET] = arena.offset;
    f[b + LENGTH] = arena.length;
    this.bytesNow += arena.length + ROW_OVERHEAD;
    this.deletes += kind;
  }

  /**
   * The row in slot `s` no longer stands for `id` (replaced or dropped): its image is freed and,
   * when the table holds it (added before the last flush), the next flush deletes it there
   * (under its source table: a key of a sharded target can move from one source table to another).
   */
  private forget(at: TableRows, id: RowId, s: number): void {
    const f = this.slots.f;
    const b = s * STRIDE;
    const len = f[b + LENGTH]!;
    this.arena.free(f[b + CHUNK]!, len);
    this.bytesNow -= len + ROW_OVERHEAD;
    this.deletes -= f[b + KIND]!;
    f[b + VER]!++;
    if (f[b + GEN]! < this.gen) {
      const key = storedKey(at, id);
      if (!this.touched.has(key)) this.touched.set(key, this.routes.sourceAt(f[b + SOURCE]!).name);
    }
  }

  /** Drop `id` if it still holds `which` (a newer change of the key replaced it during a check). */
  drop(id: RowId, which: Pending): void {
    if (!this.holds(id, which)) return;
    this.forget(which.at, id, which.slot);
    which.at.rows.delete(id);
    this.slots.release(which.slot);
    this.count--;
    if (this.arena.fragmented) this.compact();
  }

  /** Rewrite the live row images into fresh chunks (when dead rows pin most of the arena). */
  private compact(): void {
    const f = this.slots.f;
    const from = this.arena;
    const to = new RowArena();
    for (const at of this.tables()) {
      for (const s of at.rows.values()) {
        const b = s * STRIDE;
        to.put(from.get(f[b + CHUNK]!, f[b + OFFSET]!, f[b + LENGTH]!));
        f[b + CHUNK] = to.chunk;
        f[b + OFFSET] = to.offset;
        f[b + LENGTH] = to.length;
      }
    }
    this.arena = to;
  }

  /** Pending rows per kind, as `validation status` counts them. */
  kinds(): { insert: number; update: number; delete: number } {
    return { insert: 0, update: this.count - this.deletes, delete: this.deletes };
  }

  /**
   * Batches of at most `size` keys of one kind and target table, oldest first (a row changed
   * again is checked once, in its latest state). Rows are read by `open` when a batch is checked.
   */
  batches(size: number): PendingBatch[] {
    const out: PendingBatch[] = [];
    const f = this.slots.f;
    for (const at of this.tables()) {
      const byKind: PendingBatch['refs'][] = [[], []];
      for (const [id, s] of at.rows) byKind[f[s * STRIDE + KIND]!]!.push([id, s, f[s * STRIDE + VER]!]);
      for (const refs of byKind) {
        for (let i = 0; i < refs.length; i += size) out.push({ at, refs: refs.slice(i, i + size) });
      }
    }
    return out;
  }

  /** A batch's rows that still stand (a newer change of a key is checked in a later round). */
  open(batch: PendingBatch): PendingEntry[] {
    const f = this.slots.f;
    const out: PendingEntry[] = [];
    for (const [id, s, ver] of batch.refs) {
      if (batch.at.rows.get(id) === s && f[s * STRIDE + VER] === ver) out.push([id, this.view(batch.at, s)]);
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
      for (const [id, s] of at.rows)
        if (full || this.slots.f[s * STRIDE + GEN]! >= gen) put(id, this.view(at, s));
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
      this.add(
        this.routes.target(d.target),
        rowId(structure, row),
        d.kind === 'delete' ? 1 : 0,
        this.routes.source(r.schema_name, r.table_name),
        this.routes.structure(structure),
        row,
        now,
      );
    }
    this.touched.clear();
    this.rewrite = true;
  }
}

function hexCell(v: CellValue): unknown {
  return Buffer.isBuffer(v) ? { hex: v.toString('hex') } : v;
}

function unhexCell(v: unknown): CellValue {
  return typeof v === 'object' && v !== null && 'hex' in v
    ? Buffer.from((v as { hex: string }).hex, 'hex')
    : (v as CellValue);
}
