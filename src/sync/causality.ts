import type { CellValue } from '../pkg/binlog/types.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { RowChange, TableName } from './job.js';
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
  private readonly relation = new Map<string, Relation>();

  constructor(private readonly workerCount: number) {}

  get size(): number {
    return this.relation.size;
  }

  /** The applier index for these keys, or 'conflict'. Holds the keys until {@link release}. */
  assign(keys: readonly string[]): number | 'conflict' {
    if (keys.length === 1) {
      // The common case (a PK-only table, key unchanged): one lookup.
      const k = keys[0] as string;
      const r = this.relation.get(k);
      if (r) {
        r.refs++;
        return r.idx;
      }
      const idx = hash(k) % this.workerCount;
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
    const idx = owner?.idx ?? hash(root) % this.workerCount;
    for (let i = 0; i < keys.length; i++) {
      const r = found[i];
      if (r) r.refs++;
      else this.relation.set(keys[i] as string, { root, refs: 1, idx });
    }
    return idx;
  }

  /** A change assigned with these keys is applied: keys no pending change holds are forgotten. */
  release(keys: readonly string[]): void {
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
  root: string;
  refs: number;
  idx: number;
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

function rowKeys(prefixes: string[], plan: TablePlan, row: CellValue[] | undefined, out: string[]): void {
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
 */
export function changeKeys(c: RowChange): string[] {
  const plan = tablePlan(c.table);
  const prefixes = keyPrefixes(c.target, plan);
  if (!plan.identity) return [prefixes[plan.keys.length] as string];
  const out: string[] = [];
  rowKeys(prefixes, plan, c.before, out);
  rowKeys(prefixes, plan, c.after, out);
  return out;
}

/** The target and plan asked for last, and their key prefixes (changes come in runs of a table). */
let lastTarget: TableName | undefined;
let lastPlan: TablePlan | undefined;
let lastPrefixes: string[] = [];

/**
 * `<target>\u0001<key name>\u0001` for each key of the plan, then the keyless table's one key
 * `<target>\u0001*` (built once per run of one table, not per change).
 */
function keyPrefixes(target: TableName, plan: TablePlan): string[] {
  if (target === lastTarget && plan === lastPlan) return lastPrefixes;
  const tableId = targetId(target);
  const prefixes = plan.keys.map((k) => `${tableId}\u0001${k.name}\u0001`);
  prefixes.push(`${tableId}\u0001*`);
  lastTarget = target;
  lastPlan = plan;
  lastPrefixes = prefixes;
  return prefixes;
}
