/**
 * DM's table router: maps upstream `schema`.`table` to downstream names.
 *
 * A rule with a `table-pattern` is a table rule; one without is a schema rule. For a table,
 * matching table rules win over schema rules; among several matches the most specific
 * pattern wins (exact names over wildcards, more literal characters over fewer), then the
 * first defined. An empty `target-schema`/`target-table` keeps the upstream name. Schema-
 * level events (table "") only see schema rules. Unmatched names pass through unchanged.
 *
 * Extraction (DM 5.4+ `extract-table` / `extract-schema` / `extract-source` of a rule): the
 * rule that routes a table also names columns of the merged target that receive the source
 * table name, schema name and source id, each reduced by its regexp to the concatenation of
 * the regexp's capture groups (DM's `extractVal`: no match → ""). Columns come in DM's
 * order: table, schema, source (`FetchExtendColumn`).
 */
import type { RouteRule } from '../config/types.js';
import { WildcardPattern } from '../filter/pattern.js';

/** Extended columns of one source table's target: names and the constant values they get. */
export interface ExtendColumns {
  columns: string[];
  values: string[];
}

/** DM's extractVal: the concatenation of every capture group of the first match ("" without one). */
export function extractValue(re: RegExp, s: string): string {
  const m = re.exec(s);
  if (!m) return '';
  let out = '';
  for (let i = 1; i < m.length; i++) out += m[i] ?? '';
  return out;
}

/**
 * An extractor's regexp (`table-regexp`, …). DM compiles Go RE2; the same text as a JS
 * RegExp (no flags) matches the same for the patterns DM documents. Throws on bad syntax.
 */
export function compileExtractRegexp(src: string): RegExp {
  return new RegExp(src);
}

/** True when a route rule extracts anything. */
export function hasExtract(rule: RouteRule): boolean {
  return (
    rule.extractTable !== undefined || rule.extractSchema !== undefined || rule.extractSource !== undefined
  );
}

interface Compiled {
  rule: RouteRule;
  schema: WildcardPattern;
  table: WildcardPattern | undefined;
  order: number;
}

export class TableRouter {
  private readonly tableRules: Compiled[];
  private readonly schemaRules: Compiled[];
  private readonly cache = new Map<string, { schema: string; table: string }>();
  private readonly extendCache = new Map<string, ExtendColumns | null>();
  private readonly regexps = new Map<string, RegExp>();
  /** True when some rule extracts columns. */
  readonly extracts: boolean;

  constructor(rules: RouteRule[], opts: { caseSensitive: boolean }) {
    const compiled = rules.map((rule, order) => ({
      rule,
      order,
      schema: new WildcardPattern(rule.schemaPattern, opts.caseSensitive),
      table: rule.tablePattern ? new WildcardPattern(rule.tablePattern, opts.caseSensitive) : undefined,
    }));
    const bySpecificity = (a: Compiled, b: Compiled) =>
      b.schema.specificity +
        (b.table?.specificity ?? 0) -
        (a.schema.specificity + (a.table?.specificity ?? 0)) || a.order - b.order;
    this.tableRules = compiled.filter((c) => c.table).sort(bySpecificity);
    this.schemaRules = compiled.filter((c) => !c.table).sort(bySpecificity);
    this.extracts = rules.some(hasExtract);
  }

  /**
   * The extended columns (and their values) of source table `schema`.`table` of source
   * `sourceId`: undefined when its rule extracts nothing. Table-level only, as DM (a schema-
   * level event has no row to fill).
   */
  extendColumns(schema: string, table: string, sourceId: string): ExtendColumns | undefined {
    if (!this.extracts || table === '') return undefined;
    const key = `${schema}\u0000${table}\u0000${sourceId}`;
    const hit = this.extendCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const rule = this.matchRule(schema, table);
    let out: ExtendColumns | null = null;
    if (rule && hasExtract(rule)) {
      out = { columns: [], values: [] };
      const add = (column: string, re: string, s: string) => {
        out!.columns.push(column);
        out!.values.push(extractValue(this.regexp(re), s));
      };
      if (rule.extractTable) add(rule.extractTable.targetColumn, rule.extractTable.tableRegexp, table);
      if (rule.extractSchema) add(rule.extractSchema.targetColumn, rule.extractSchema.schemaRegexp, schema);
      if (rule.extractSource) add(rule.extractSource.targetColumn, rule.extractSource.sourceRegexp, sourceId);
    }
    if (this.extendCache.size > 100_000) this.extendCache.clear();
    this.extendCache.set(key, out);
    return out ?? undefined;
  }

  /** The compiled regexp (validated by the config parser; Go RE2 syntax is a subset of JS's here). */
  private regexp(src: string): RegExp {
    let re = this.regexps.get(src);
    if (!re) {
      re = compileExtractRegexp(src);
      this.regexps.set(src, re);
    }
    return re;
  }

  /** True when no rules are configured (callers can skip routing). */
  get empty(): boolean {
    return this.tableRules.length === 0 && this.schemaRules.length === 0;
  }

  /** The rule that applies to `schema`.`table` (table "" = schema level), if any. */
  matchRule(schema: string, table: string): RouteRule | undefined {
    if (table !== '') {
      const t = this.tableRules.find((c) => c.schema.test(schema) && c.table!.test(table));
      if (t) return t.rule;
    }
    return this.schemaRules.find((c) => c.schema.test(schema))?.rule;
  }

  route(schema: string, table: string): { schema: string; table: string } {
    const key = `${schema}\u0000${table}`;
    const hit = this.cache.get(key);
    if (hit) return { ...hit };
    const rule = this.matchRule(schema, table);
    let out = { schema, table };
    if (rule) {
      const isTableRule = rule.tablePattern !== '' && table !== '';
      out = {
        schema: rule.targetSchema || schema,
        table: isTableRule ? rule.targetTable || table : table,
      };
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(key, out);
    return { ...out };
  }
}
