/**
 * DM's table router: maps upstream `schema`.`table` to downstream names.
 *
 * A rule with a `table-pattern` is a table rule; one without is a schema rule. For a table,
 * matching table rules win over schema rules; among several matches the most specific
 * pattern wins (exact names over wildcards, more literal characters over fewer), then the
 * first defined. An empty `target-schema`/`target-table` keeps the upstream name. Schema-
 * level events (table "") only see schema rules. Unmatched names pass through unchanged.
 */
import type { RouteRule } from '../config/types.js';
import { WildcardPattern } from '../filter/pattern.js';

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
