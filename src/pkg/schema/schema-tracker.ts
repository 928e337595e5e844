import type { SchemaLookup } from '../binlog/types.js';
import { copyAs, ddlToOps } from './ddl-apply.js';
import { TableMap } from './table-map.js';
import { type TableStructure, toColumnsInfo } from './table-structure.js';

/** Result of feeding one DDL to the tracker. */
export type TrackResult =
  /** The tracker followed the statement. */
  | { kind: 'applied' }
  /**
   * The parser could not follow it: the caller must re-read these tables (named by the
   * caller's own token scan) from the downstream after executing the DDL there.
   */
  | { kind: 'unparsed' };

const key = (schema: string, table: string): string => `${schema}\u0000${table}`;

/**
 * The schema tracker: the structure of every upstream table as of the sync checkpoint.
 * Loaded lazily (from the upstream or downstream) or from the checkpoint's JSON, and
 * changed by every replayed DDL, so rows are always interpreted with the structure that was
 * current when they were written, not the upstream's structure today.
 */
export class SchemaTracker {
  private readonly tables = new Map<string, TableStructure>();

  constructor(private readonly caseSensitive = false) {}

  /** The map key of each name pair asked for (no lower-casing and joining per row event). */
  private readonly keys = new TableMap<string>({ schemas: 10_000, tables: 100_000 });

  private k(schema: string, table: string): string {
    let k = this.keys.get(schema, table);
    if (k === undefined) {
      k = this.caseSensitive ? key(schema, table) : key(schema.toLowerCase(), table.toLowerCase());
      this.keys.set(schema, table, k);
    }
    return k;
  }

  get(schema: string, table: string): TableStructure | undefined {
    return this.tables.get(this.k(schema, table));
  }

  has(schema: string, table: string): boolean {
    return this.tables.has(this.k(schema, table));
  }

  put(t: TableStructure): void {
    this.tables.set(this.k(t.schema, t.table), t);
  }

  drop(schema: string, table: string): void {
    this.tables.delete(this.k(schema, table));
  }

  dropSchema(schema: string): void {
    for (const t of [...this.tables.values()]) {
      if (this.k(t.schema, '') === this.k(schema, '')) this.drop(t.schema, t.table);
    }
  }

  /** All tracked tables. */
  list(): TableStructure[] {
    return [...this.tables.values()];
  }

  /**
   * Follow one DDL statement (already split into a single statement). `defaultSchema` is
   * the schema of the QUERY event (the session's current database upstream).
   */
  applyDdl(sql: string, defaultSchema: string): TrackResult {
    const ops = ddlToOps(sql, defaultSchema, (s, t) => this.get(s, t));
    if (!ops) return { kind: 'unparsed' };
    for (const o of ops) {
      switch (o.op) {
        case 'put':
          this.put(o.table);
          break;
        case 'drop':
          this.drop(o.schema, o.table);
          break;
        case 'dropSchema':
          this.dropSchema(o.schema);
          break;
        case 'rename': {
          const t = this.get(...o.from);
          this.drop(...o.from);
          if (t) this.put(copyAs(t, o.to));
          break;
        }
        case 'like': {
          const t = this.get(...o.from);
          if (!t) return { kind: 'unparsed' };
          this.put(copyAs(t, o.to));
          break;
        }
        case 'none':
          break;
      }
    }
    return { kind: 'applied' };
  }

  /** The decoder's `schemaLookup`. */
  lookup(): SchemaLookup {
    return (schema, table) => {
      const t = this.get(schema, table);
      return t ? toColumnsInfo(t) : undefined;
    };
  }

  /** JSON for the checkpoint's `table_info`. */
  toJSON(): TableStructure[] {
    return this.list();
  }

  /** Replace the content with a checkpoint's `table_info`. */
  load(tables: TableStructure[]): void {
    this.tables.clear();
    for (const t of tables) this.put(t);
  }
}
