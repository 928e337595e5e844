import type { CellValue } from '../pkg/binlog/types.js';
import type { RowChange } from './job.js';
import { type TablePlan, tablePlan } from './sql/table-plan.js';

/**
 * DM's causality algorithm. Each change carries keys (target table + the values of every
 * PK/UK, before and after). Keys that ever appeared in one change form a relation, owned by
 * one applier (hash of the relation's first key modulo the worker count), so changes that
 * touch the same row or unique value run in binlog order on one applier. A change whose keys
 * already belong to two different relations is a conflict: the caller must wait until every
 * applier has drained, then `reset()` and assign again.
 */
export class Causality {
  /** key → relation root key. */
  private readonly relation = new Map<string, string>();

  constructor(private readonly workerCount: number) {}

  get size(): number {
    return this.relation.size;
  }

  /** The applier index for these keys, or 'conflict'. Records the keys on success. */
  assign(keys: string[]): number | 'conflict' {
    let root: string | undefined;
    for (const k of keys) {
      const r = this.relation.get(k);
      if (r === undefined) continue;
      if (root === undefined) root = r;
      else if (r !== root) return 'conflict';
    }
    root ??= keys[0] ?? '';
    for (const k of keys) this.relation.set(k, root);
    return hash(root) % this.workerCount;
  }

  /** Forget all relations (only when every applier is drained). */
  reset(): void {
    this.relation.clear();
  }
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

function rowKeys(tableId: string, plan: TablePlan, row: CellValue[] | undefined, out: string[]): void {
  if (!row) return;
  for (const k of plan.keys) {
    let key = `${tableId}\u0001${k.name}\u0001`;
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

/**
 * Causality keys of a change. A table with no usable key gets one key for the whole table:
 * all its changes run in order on one applier (which also carries its table checkpoint).
 */
export function changeKeys(c: RowChange): string[] {
  const plan = tablePlan(c.table);
  const tableId = `${c.target.schema}.${c.target.table}`.toLowerCase();
  if (!plan.identity) return [`${tableId}\u0001*`];
  const out: string[] = [];
  rowKeys(tableId, plan, c.before, out);
  rowKeys(tableId, plan, c.after, out);
  return out;
}
