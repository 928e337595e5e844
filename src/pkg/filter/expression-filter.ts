/**
 * DM's expression filter: skip row changes whose values match a SQL expression
 * (`insert-value-expr`, `update-old-value-expr` / `update-new-value-expr`,
 * `delete-value-expr`). Rules name one exact schema and table (case-insensitive unless
 * case-sensitive). An UPDATE is skipped when every expression set for it matches (old AND
 * new, as DM documents). Several rules for a table: any match skips. A NULL result never
 * skips. Expressions are compiled once, when the filter is built; unsupported syntax is a
 * config error then, never at row time.
 */
import type { CellValue } from '../binlog/types.js';
import type { ExpressionFilterRule } from '../config/types.js';
import { dmError, E } from '../errors/index.js';
import { compileExpression, type Evaluator, isTrue, type RowLookup } from './expression-eval.js';

/** Validate one expression; returns an error message, or undefined when it compiles. */
export function validateExpression(expr: string): string | undefined {
  try {
    compileExpression(expr);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

interface CompiledRule {
  insert?: Evaluator;
  updateOld?: Evaluator;
  updateNew?: Evaluator;
  delete?: Evaluator;
}

export class ExpressionFilter {
  private readonly byTable = new Map<string, CompiledRule[]>();
  private readonly caseSensitive: boolean;
  /** Column-name → index maps, cached per column list (same array from the schema tracker). */
  private readonly indexCache = new WeakMap<string[], Map<string, number>>();

  /** `timeZone`: the task's `timezone` (NOW() and friends read the clock there). */
  constructor(rules: ExpressionFilterRule[], opts: { caseSensitive: boolean; timeZone?: string }) {
    this.caseSensitive = opts.caseSensitive;
    for (const rule of rules) {
      const c: CompiledRule = {};
      const comp = (expr: string | undefined, kind: string): Evaluator | undefined => {
        if (expr === undefined || expr.trim() === '') return undefined;
        try {
          return compileExpression(expr, opts.timeZone);
        } catch (err) {
          throw dmError(
            E.configInvalidValue,
            `expression-filter for ${rule.schema}.${rule.table}: invalid ${kind} ${JSON.stringify(expr)}: ${(err as Error).message}`,
            { cause: err },
          );
        }
      };
      const ins = comp(rule.insertValueExpr, 'insert-value-expr');
      const uo = comp(rule.updateOldValueExpr, 'update-old-value-expr');
      const un = comp(rule.updateNewValueExpr, 'update-new-value-expr');
      const del = comp(rule.deleteValueExpr, 'delete-value-expr');
      if (ins) c.insert = ins;
      if (uo) c.updateOld = uo;
      if (un) c.updateNew = un;
      if (del) c.delete = del;
      const key = this.key(rule.schema, rule.table);
      const list = this.byTable.get(key) ?? [];
      list.push(c);
      this.byTable.set(key, list);
    }
  }

  private key(schema: string, table: string): string {
    const k = `${schema}\u0000${table}`;
    return this.caseSensitive ? k : k.toLowerCase();
  }

  /** True when some rule applies to this table (callers can skip building lookups). */
  hasRules(schema: string, table: string): boolean {
    return this.byTable.has(this.key(schema, table));
  }

  private lookup(columns: string[], row: CellValue[]): RowLookup {
    let idx = this.indexCache.get(columns);
    if (!idx) {
      idx = new Map(columns.map((c, i) => [c.toLowerCase(), i]));
      this.indexCache.set(columns, idx);
    }
    const map = idx;
    return (name) => {
      const i = map.get(name);
      return i === undefined ? undefined : row[i];
    };
  }

  skipInsert(schema: string, table: string, columns: string[], row: CellValue[]): boolean {
    const rules = this.byTable.get(this.key(schema, table));
    if (!rules) return false;
    const look = this.lookup(columns, row);
    return rules.some((r) => r.insert !== undefined && isTrue(r.insert(look)));
  }

  skipUpdate(
    schema: string,
    table: string,
    columns: string[],
    before: CellValue[],
    after: CellValue[],
  ): boolean {
    const rules = this.byTable.get(this.key(schema, table));
    if (!rules) return false;
    const oldRow = this.lookup(columns, before);
    const newRow = this.lookup(columns, after);
    return rules.some((r) => {
      if (!r.updateOld && !r.updateNew) return false;
      if (r.updateOld && !isTrue(r.updateOld(oldRow))) return false;
      if (r.updateNew && !isTrue(r.updateNew(newRow))) return false;
      return true;
    });
  }

  skipDelete(schema: string, table: string, columns: string[], row: CellValue[]): boolean {
    const rules = this.byTable.get(this.key(schema, table));
    if (!rules) return false;
    const look = this.lookup(columns, row);
    return rules.some((r) => r.delete !== undefined && isTrue(r.delete(look)));
  }
}
