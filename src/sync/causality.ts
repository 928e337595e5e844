import type { CellValue } from '../pkg/binlog/types.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { CausalityKey, RowChange, TableName } from './job.js';
import { type TablePlan, tablePlan } from './sql/table-plan.js';

/**
 * DM's causality algorithm. Each change carries keys (target table + the values of every
 * PK/UK, before and after). Keys that appear in one change form a relation, owned by one
 * applier (hash of the relation's first key modulo the worker count), so changes that touch
 * the same row or unique value run in binlog order on one applier. A change whose keys
 * already belong to two different relations is a conflict: the caller must wait until every
 * applier has drained, then `reset()` and assign again.
 *
 * A key is only remembered while a change holding it is queued or in flight: `release()`
 * (after the applier committed it) drops keys no pending change holds. Ordering needs no
 * more (a key nothing pending holds may go to any applier), and the map stays as small as
 * the appliers' queues — DM clears its relations at each flush instead; a map kept until a
 * drain grew to a million entries during catch-up and cost more in GC than it saved.
 */
export class Causality {
  /** key → its relation (root key, owning applier) and how many pending changes hold it. */
  private readonly relation = new Map<CausalityKey, Relation>();

  constructor(private readonly workerCount: number) {}

  get size(): number {
    return this.relation.size;
  }

  /** The applier index for these keys, or 'conflict'. Holds the keys until {@link release}. */
  assign(keys: readonly CausalityKey[]): number | 'conflict' {
    if (keys.length === 1) {
      // The common case (a PK-only table, key unchanged): one lookup.
      const k = keys[0] as CausalityKey;
      const r = this.relation.get(k);
      if (r) {
        r.refs++;
        return r.idx;
      }
      const idx = keyHash(k) % this.workerCount;
      this.relation.set(k, { root: k, refs: 1, idx });
      return idx;
    }
    let owner: Relation | undefined;
    const found: (Relation | undefined)[] = [];
    for (const k of keys) {
      const r = this.relation.get(k);
      found.push(r);
      if (r === undefined) continue;
      if (owner === undefined) owner = r;
      else if (r.root !== owner.root) return 'conflict';
    }
    const root = owner?.root ?? keys[0] ?? '';
    const idx = owner?.idx ?? keyHash(root) % this.workerCount;
    for (let i = 0; i < keys.length; i++) {
      const r = found[i];
      if (r) r.refs++;
      else this.relation.set(keys[i] as CausalityKey, { root, refs: 1, idx });
    }
    return idx;
  }

  /** A change assigned with these keys is applied: keys no pending change holds are forgotten. */
  release(keys: readonly CausalityKey[]): void {
    for (const k of keys) {
      const r = this.relation.get(k);
      if (r && --r.refs <= 0) this.relation.delete(k);
    }
  }

  /** Forget all relations (only when every applier is drained). */
  reset(): void {
    this.relation.clear();
  }
}

/** A relation's root key, the applier it was given (hashed once, when it was made), and refs. */
interface Relation {
  root: CausalityKey;
  refs: number;
  idx: number;
}

/** A key's hash: FNV-1a of a text key, an integer mix of a number key (both stable across runs). */
function keyHash(k: CausalityKey): number {
  if (typeof k === 'string') return hash(k);
  let h = Math.imul((k >>> 0) ^ Math.imul(Math.floor(k / 4294967296), 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a, 32 bit: stable across runs so the same key always maps to the same applier. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Case- and trailing-space-insensitive, as most collations compare: over-grouping is safe. */
function keyPart(v: CellValue): string {
  if (v === null) return '\u0000N';
  if (Buffer.isBuffer(v)) return `x${v.toString('hex')}`;
  if (Array.isArray(v)) return v.join(',').toLowerCase();
  if (typeof v === 'string') return v.toLowerCase().replace(/ +$/, '');
  return String(v);
}

function rowKeys(
  prefixes: string[],
  plan: TablePlan,
  row: CellValue[] | undefined,
  out: CausalityKey[],
): void {
  if (!row) return;
  for (let ki = 0; ki < plan.keys.length; ki++) {
    const k = plan.keys[ki] as TablePlan['keys'][number];
    let key = prefixes[ki] as string;
    let skip = false;
    for (let j = 0; j < k.cols.length; j++) {
      const v = row[k.cols[j] as number] ?? null;
      // A UK with a NULL part constrains nothing (NULLs never collide).
      if (v === null && !k.primary) {
        skip = true;
        break;
      }
      if (j > 0) key += '\u0002';
      key += keyPart(v);
    }
    if (!skip && !out.includes(key)) out.push(key);
  }
}

/** Lower-cased `schema.table` of routed targets (keyed by the name strings: no concatenation). */
const targetIds = new TableMap<string>({ schemas: 10_000, tables: 100_000 });

function targetId(t: { schema: string; table: string }): string {
  let id = targetIds.get(t.schema, t.table);
  if (id === undefined) {
    id = `${t.schema}.${t.table}`.toLowerCase();
    targetIds.set(t.schema, t.table, id);
  }
  return id;
}

/**
 * Causality keys of a change. A table with no usable key gets one key for the whole table:
 * all its changes run in order on one applier (which also carries its table checkpoint).
 *
 * A table whose only unique key is one column holding an integer value in [-2^31, 2^32) gets
 * a number instead of text: `slot * 2^33 + value + 2^31`, `slot` numbering the target tables
 * (below 2^20, so the number stays exact). One row always gets the same form (its value
 * decides), and a number never equals a text key, so nothing groups differently; the
 * dispatcher just builds and hashes no text for the usual integer primary key.
 */
export function changeKeys(c: RowChange): CausalityKey[] {
  const plan = tablePlan(c.table);
  const kp = keyPrefixes(c.target, plan);
  const prefixes = kp.prefixes;
  if (!plan.identity) return [prefixes[plan.keys.length] as string];
  if (kp.numberBase >= 0) {
    // One key column: each value's key on its own (a value always gets the same form).
    const key = plan.keys[0] as TablePlan['keys'][number];
    const col = key.cols[0] as number;
    const kb = c.before ? oneColumnKey(kp, key.primary, c.before[col] ?? null) : undefined;
    const ka = c.after ? oneColumnKey(kp, key.primary, c.after[col] ?? null) : undefined;
    if (kb === undefined) return ka === undefined ? [] : [ka];
    return ka === undefined || ka === kb ? [kb] : [kb, ka];
  }
  const out: CausalityKey[] = [];
  rowKeys(prefixes, plan, c.before, out);
  rowKeys(prefixes, plan, c.after, out);
  return out;
}

const INT_MIN = -2147483648;
const INT_END = 4294967296;
const SLOT_SPAN = 8589934592; // 2^33
const MAX_SLOTS = 1 << 20;

/** The key of one value of a one-column key: a number when it can be, else text (undefined: NULL in a UK). */
function oneColumnKey(kp: KeyPrefixes, primary: boolean, v: CellValue): CausalityKey | undefined {
  if (v === null && !primary) return undefined; // NULLs never collide
  return numberKey(kp.numberBase, v) ?? `${kp.prefixes[0]}${keyPart(v)}`;
}

/** The number key of integer `v` (null: not such a value, the text form is used). */
function numberKey(base: number, v: CellValue): number | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < INT_MIN || v >= INT_END) return null;
  return base + (v - INT_MIN);
}

/** Target table id → its slot for number keys. */
const slots = new Map<string, number>();

/** The target and plan asked for last, and their key prefixes (changes come in runs of a table). */
let lastTarget: TableName | undefined;
let lastPlan: TablePlan | undefined;
let last: KeyPrefixes = { prefixes: [], numberBase: -1 };

interface KeyPrefixes {
  /** `<target>\u0001<key name>\u0001` for each key of the plan, then `<target>\u0001*`. */
  prefixes: string[];
  /** `slot * 2^33` when the table's only key is one column (number keys possible), else -1. */
  numberBase: number;
}

/** The key prefixes of a target and plan (built once per run of one table, not per change). */
function keyPrefixes(target: TableName, plan: TablePlan): KeyPrefixes {
  if (target === lastTarget && plan === lastPlan) return last;
  const tableId = targetId(target);
  const prefixes = plan.keys.map((k) => `${tableId}\u0001${k.name}\u0001`);
  prefixes.push(`${tableId}\u0001*`);
  let numberBase = -1;
  const only = plan.keys.length === 1 ? plan.keys[0] : undefined;
  if (only && only.cols.length === 1 && (only.cols[0] as number) >= 0) {
    let slot = slots.get(tableId);
    if (slot === undefined && slots.size < MAX_SLOTS) {
      slot = slots.size;
      slots.set(tableId, slot);
    }
    if (slot !== undefined) numberBase = slot * SLOT_SPAN;
  }
  lastTarget = target;
  lastPlan = plan;
  last = { prefixes, numberBase };
  return last;
}
