/**
 * A map keyed by (schema, table) that builds no `schema.table` text per lookup: the sync hot
 * paths look tables up per row change, with the same name strings every time. With `limit` it
 * is a cache: past `schemas` schemas, or `tables` tables in one schema, those entries are
 * dropped wholesale before a new one is added.
 */
export class TableMap<V> {
  private readonly bySchema = new Map<string, Map<string, V>>();

  constructor(private readonly limit?: { schemas: number; tables: number }) {}

  get(schema: string, table: string): V | undefined {
    return this.bySchema.get(schema)?.get(table);
  }

  set(schema: string, table: string, value: V): void {
    let tables = this.bySchema.get(schema);
    if (!tables) {
      if (this.limit && this.bySchema.size > this.limit.schemas) this.bySchema.clear();
      tables = new Map();
      this.bySchema.set(schema, tables);
    } else if (this.limit && tables.size > this.limit.tables && !tables.has(table)) tables.clear();
    tables.set(table, value);
  }

  *values(): Generator<V> {
    for (const tables of this.bySchema.values()) yield* tables.values();
  }
}
