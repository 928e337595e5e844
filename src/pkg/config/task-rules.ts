/**
 * The named rule maps of a task file (`block-allow-list`, `routes`, `expression-filter`) turned
 * into types.ts shapes, with DM's checks on them (route extractors as `TableRule.Valid`,
 * expression filters compiled once). Binlog event `filters` are normalised in normalise.ts.
 */
import { E } from '../errors/index.js';
import { validateExpression } from '../filter/expression-filter.js';
import { compileExtractRegexp } from '../router/table-router.js';
import { list, type Raw, s, sub } from './normalise.js';
import type { BlockAllowListRule, ExpressionFilterRule, RouteRule } from './types.js';
import type { Bad, KeyPath } from './yaml-doc.js';

export function mapValues<T>(m: Raw, f: (v: Raw) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(sub(v))]));
}

export function normaliseBal(raw: Raw): BlockAllowListRule {
  const tables = (v: unknown) =>
    (Array.isArray(v) ? v : []).map((t) => ({
      dbName: s(sub(t)['db-name']),
      tblName: s(sub(t)['tbl-name']),
    }));
  return {
    doDbs: list(raw['do-dbs']),
    ignoreDbs: list(raw['ignore-dbs']),
    doTables: tables(raw['do-tables']),
    ignoreTables: tables(raw['ignore-tables']),
  };
}

export function normaliseRoute(raw: Raw): RouteRule {
  const rule: RouteRule = {
    schemaPattern: s(raw['schema-pattern']),
    tablePattern: s(raw['table-pattern']),
    targetSchema: s(raw['target-schema']),
    targetTable: s(raw['target-table']),
  };
  const et = sub(raw['extract-table']);
  const es = sub(raw['extract-schema']);
  const eo = sub(raw['extract-source']);
  if (raw['extract-table'] !== undefined)
    rule.extractTable = { tableRegexp: s(et['table-regexp']), targetColumn: s(et['target-column']) };
  if (raw['extract-schema'] !== undefined)
    rule.extractSchema = { schemaRegexp: s(es['schema-regexp']), targetColumn: s(es['target-column']) };
  if (raw['extract-source'] !== undefined)
    rule.extractSource = { sourceRegexp: s(eo['source-regexp']), targetColumn: s(eo['target-column']) };
  return rule;
}

/**
 * A route's extractors as DM's `TableRule.Valid` checks them: a target column and a regexp
 * that compiles (DM: "table extractor table regexp illegal"), plus what DM's docs say: the
 * regexp is a plain regular expression, never `~`-prefixed. Two extractors of one rule
 * filling the same column would write it twice in one statement.
 */
export function checkExtractors(key: string, rule: RouteRule, bad: Bad): void {
  const seen = new Map<string, string>();
  const one = (kind: string, reKey: string, ex: { re: string; column: string } | undefined) => {
    if (!ex) return;
    const at = ['routes', key, kind];
    if (ex.column === '')
      bad(E.configInvalidValue, [...at, 'target-column'], `${kind} needs a target-column`);
    else if (seen.has(ex.column.toLowerCase()))
      bad(
        E.configInvalidValue,
        [...at, 'target-column'],
        `column "${ex.column}" is already filled by ${seen.get(ex.column.toLowerCase())}`,
      );
    seen.set(ex.column.toLowerCase(), kind);
    if (ex.re.startsWith('~'))
      bad(
        E.configInvalidValue,
        [...at, reKey],
        `${reKey} is a regular expression and must not start with "~"`,
      );
    else {
      try {
        compileExtractRegexp(ex.re);
      } catch (err) {
        bad(
          E.configInvalidValue,
          [...at, reKey],
          `${kind} ${reKey} illegal ${JSON.stringify(ex.re)}: ${(err as Error).message}`,
        );
      }
    }
  };
  const t = rule.extractTable;
  const sc = rule.extractSchema;
  const so = rule.extractSource;
  one('extract-table', 'table-regexp', t && { re: t.tableRegexp, column: t.targetColumn });
  one('extract-schema', 'schema-regexp', sc && { re: sc.schemaRegexp, column: sc.targetColumn });
  one('extract-source', 'source-regexp', so && { re: so.sourceRegexp, column: so.targetColumn });
}

export function normaliseExprFilter(raw: Raw): ExpressionFilterRule {
  const rule: ExpressionFilterRule = { schema: s(raw.schema), table: s(raw.table) };
  if (raw['insert-value-expr'] !== undefined) rule.insertValueExpr = s(raw['insert-value-expr']);
  if (raw['update-old-value-expr'] !== undefined) rule.updateOldValueExpr = s(raw['update-old-value-expr']);
  if (raw['update-new-value-expr'] !== undefined) rule.updateNewValueExpr = s(raw['update-new-value-expr']);
  if (raw['delete-value-expr'] !== undefined) rule.deleteValueExpr = s(raw['delete-value-expr']);
  return rule;
}

export function checkExprFilter(name: string, rule: ExpressionFilterRule, bad: Bad): void {
  const at = (k: string): KeyPath => ['expression-filter', name, k];
  if (rule.schema === '') bad(E.configMissingKey, ['expression-filter', name], 'schema must be set', 'key');
  if (rule.table === '') bad(E.configMissingKey, ['expression-filter', name], 'table must be set', 'key');
  const kinds = [
    rule.insertValueExpr,
    rule.updateOldValueExpr ?? rule.updateNewValueExpr,
    rule.deleteValueExpr,
  ];
  if (kinds.filter((k) => k !== undefined && k !== '').length > 1) {
    bad(
      E.configInvalidValue,
      ['expression-filter', name],
      'set only one of insert-value-expr, update-*-value-expr, delete-value-expr',
      'key',
    );
  }
  for (const [key, expr] of [
    ['insert-value-expr', rule.insertValueExpr],
    ['update-old-value-expr', rule.updateOldValueExpr],
    ['update-new-value-expr', rule.updateNewValueExpr],
    ['delete-value-expr', rule.deleteValueExpr],
  ] as const) {
    if (expr === undefined || expr === '') continue;
    const err = validateExpression(expr);
    if (err) bad(E.configInvalidValue, at(key), `invalid expression ${JSON.stringify(expr)}: ${err}`);
  }
}

export function validRegex(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}
