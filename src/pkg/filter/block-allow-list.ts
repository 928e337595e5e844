/**
 * DM's block & allow list (tidb-tools `filter`, MySQL replication-rule semantics):
 *
 * - schema: with `do-dbs`, a schema must match one of them (`ignore-dbs` is then unused);
 *   without, a schema matching `ignore-dbs` is dropped;
 * - table: a table matching `do-tables` is kept; else one matching `ignore-tables` is
 *   dropped; else it is kept only when there are no `do-tables`;
 * - names starting with `~` are (unanchored) regular expressions, others are names with
 *   `*`/`?` wildcards; matching is case-insensitive unless `caseSensitive`;
 * - system schemas (mysql, information_schema, performance_schema, sys, metrics_schema) and
 *   `alwaysIgnore` (the task's meta schema) are always dropped.
 */
import type { BlockAllowListRule, TableRef } from '../config/types.js';
import { dmError, E } from '../errors/index.js';
import { WildcardPattern } from './pattern.js';

export const SYSTEM_SCHEMAS = Object.freeze([
  'mysql',
  'information_schema',
  'performance_schema',
  'sys',
  'metrics_schema',
  'inspection_schema',
]);

type Matcher = (name: string) => boolean;

function matcher(p: string, caseSensitive: boolean): Matcher {
  if (p.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(p.slice(1), caseSensitive ? 'u' : 'iu');
    } catch (err) {
      throw dmError(
        E.configInvalidValue,
        `block-allow-list: invalid regular expression ${JSON.stringify(p)}`,
        {
          cause: err,
        },
      );
    }
    return (name) => re.test(name);
  }
  const w = new WildcardPattern(p, caseSensitive);
  return (name) => w.test(name);
}

export class BlockAllowList {
  private readonly doDbs: Matcher[];
  private readonly ignoreDbs: Matcher[];
  private readonly doTables: [Matcher, Matcher][];
  private readonly ignoreTables: [Matcher, Matcher][];
  private readonly always: Set<string>;
  private readonly cache = new Map<string, boolean>();
  private readonly caseSensitive: boolean;

  constructor(
    rule: BlockAllowListRule | undefined,
    opts: { caseSensitive: boolean; alwaysIgnore?: string[] },
  ) {
    const cs = opts.caseSensitive;
    this.caseSensitive = cs;
    const tables = (list: TableRef[]): [Matcher, Matcher][] =>
      list.map((t) => [matcher(t.dbName, cs), matcher(t.tblName, cs)]);
    this.doDbs = (rule?.doDbs ?? []).map((d) => matcher(d, cs));
    this.ignoreDbs = (rule?.ignoreDbs ?? []).map((d) => matcher(d, cs));
    this.doTables = tables(rule?.doTables ?? []);
    this.ignoreTables = tables(rule?.ignoreTables ?? []);
    this.always = new Set([...SYSTEM_SCHEMAS, ...(opts.alwaysIgnore ?? [])].map((s) => s.toLowerCase()));
  }

  /** Schema-level decision (CREATE/DROP DATABASE, which schemas to dump). */
  allowSchema(schema: string): boolean {
    if (this.always.has(schema.toLowerCase())) return false;
    if (this.doDbs.length > 0) return this.doDbs.some((m) => m(schema));
    if (this.ignoreDbs.length > 0) return !this.ignoreDbs.some((m) => m(schema));
    return true;
  }

  /** Table-level decision (rows and DDL of `schema`.`table`). */
  allowTable(schema: string, table: string): boolean {
    const key = `${schema}\u0000${table}`;
    const k = this.caseSensitive ? key : key.toLowerCase();
    let v = this.cache.get(k);
    if (v === undefined) {
      v = this.decideTable(schema, table);
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(k, v);
    }
    return v;
  }

  private decideTable(schema: string, table: string): boolean {
    if (!this.allowSchema(schema)) return false;
    if (table === '') return true;
    const hit = (list: [Matcher, Matcher][]) => list.some(([d, t]) => d(schema) && t(table));
    if (this.doTables.length > 0 && hit(this.doTables)) return true;
    if (this.ignoreTables.length > 0 && hit(this.ignoreTables)) return false;
    return this.doTables.length === 0;
  }
}
