/**
 * Compiles a DM expression-filter expression (a SQL boolean expression over a row's columns)
 * into an evaluator, once. Parsing uses node-sql-parser on `SELECT * FROM t WHERE <expr>`.
 *
 * Semantics follow MySQL where it matters for filtering: three-valued logic (NULL is
 * "unknown", and an unknown result never skips a row), numeric comparison when either side
 * is a number (strings are converted as MySQL does: leading numeric prefix, else 0), string
 * comparison otherwise (binary, i.e. case-sensitive, like TiDB's default utf8mb4_bin),
 * LIKE with `%`/`_`/`\` escapes. Supported: comparisons, AND/OR/XOR/NOT, IN, BETWEEN, IS
 * [NOT] NULL/TRUE/FALSE, LIKE, arithmetic (+ - * / DIV %), JSON paths (`->`, `->>`), bit
 * (`b'…'`) and hex (`x'…'`) literals, and the functions in FUNCS (NOW() and friends in the task's
 * `timezone`, the zone DM's expression session uses; UTC_TIMESTAMP()/UTC_DATE() in UTC).
 * Anything else is rejected at compile time with a message (never at row time).
 */
// The one-dialect build: the package's main entry bundles every dialect's grammar (≈ 34 MB of
// the dm-worker's resident memory, against ≈ 10 MB for one).
import nodeSqlParser from 'node-sql-parser/build/mysql.js';
import { type ZoneOffset, zoneOffset } from '../binlog/time-zone.js';
import type { CellValue } from '../binlog/types.js';
import { CLOCK_FUNCS } from './expression-clock.js';

const parser = new nodeSqlParser.Parser();

/** A value during evaluation (SQL NULL = null). */
export type Val = null | number | string | bigint;
/** Looks a column up by lower-cased name; undefined when the row has no such column. */
export type RowLookup = (lowerName: string) => CellValue | undefined;
export type Evaluator = (row: RowLookup) => Val;

type Ast = Record<string, unknown> & { type: string };

/**
 * The zone of the expression being compiled (compilation is synchronous; the time functions
 * capture it in their closures), undefined = UTC.
 */
let compileZone: ZoneOffset | undefined;

/**
 * Parse and compile; throws a plain Error with a user-facing message on unsupported syntax.
 * `timeZone`: the task's `timezone` (NOW() and CURDATE() read the clock there). Default UTC.
 */
export function compileExpression(expr: string, timeZone = ''): Evaluator {
  let ast: unknown;
  try {
    ast = parser.astify(`SELECT * FROM t WHERE ${expr}`, { database: 'MySQL' });
  } catch (err) {
    // node-sql-parser lists every expected token; the "found" part is what users need.
    const msg = (err as Error).message;
    const found = / but (.+) found\.?$/.exec(msg);
    throw new Error(
      found ? `syntax error near ${found[1]}` : `syntax error: ${msg.split('\n')[0]?.slice(0, 200)}`,
    );
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1) throw new Error('only one expression is allowed');
    ast = ast[0];
  }
  const where = (ast as { where?: Ast | null }).where;
  if (!where) throw new Error('empty expression');
  compileZone = timeZone ? zoneOffset(timeZone) : undefined;
  try {
    return compile(where);
  } finally {
    compileZone = undefined;
  }
}

function toCell(v: CellValue | undefined): Val {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return v.join(',');
}

/** MySQL string → number: the longest numeric prefix, else 0. */
export function toNum(v: Val): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(v);
  return m ? Number(m[0]) : 0;
}

function toStr(v: Val): string | null {
  if (v === null) return null;
  return String(v);
}

function truth(v: Val): boolean | null {
  const n = toNum(v);
  return n === null ? null : n !== 0;
}

function fromBool(b: boolean | null): Val {
  return b === null ? null : b ? 1 : 0;
}

/** MySQL comparison: <0, 0, >0, or null when either side is NULL. */
export function compareVals(a: Val, b: Val): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = toNum(a)!;
  const y = toNum(b)!;
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function jsonExtract(doc: Val, path: Val): Val {
  if (doc === null || path === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(String(doc));
  } catch {
    return null;
  }
  const p = String(path);
  if (!p.startsWith('$')) return null;
  for (const m of p.slice(1).matchAll(/\.("([^"]*)"|[A-Za-z_$][\w$]*)|\[(\d+)\]/g)) {
    const key = m[3] !== undefined ? Number(m[3]) : (m[2] ?? m[1]!);
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string | number, unknown>)[key];
    if (v === undefined) return null;
  }
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

const FUNCS: Record<string, { min: number; max: number; fn: (a: Val[], zone?: ZoneOffset) => Val }> = {
  LENGTH: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Buffer.byteLength(String(a), 'utf8')) },
  OCTET_LENGTH: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Buffer.byteLength(String(a), 'utf8')) },
  CHAR_LENGTH: { min: 1, max: 1, fn: ([a]) => (a == null ? null : [...String(a)].length) },
  CHARACTER_LENGTH: { min: 1, max: 1, fn: ([a]) => (a == null ? null : [...String(a)].length) },
  UPPER: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).toUpperCase()) },
  UCASE: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).toUpperCase()) },
  LOWER: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).toLowerCase()) },
  LCASE: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).toLowerCase()) },
  TRIM: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).trim()) },
  ABS: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Math.abs(toNum(a)!)) },
  FLOOR: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Math.floor(toNum(a)!)) },
  CEIL: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Math.ceil(toNum(a)!)) },
  CEILING: { min: 1, max: 1, fn: ([a]) => (a == null ? null : Math.ceil(toNum(a)!)) },
  ROUND: {
    min: 1,
    max: 2,
    fn: ([a, d]) => {
      if (a == null) return null;
      const f = 10 ** (toNum(d ?? 0) ?? 0);
      const x = toNum(a)! * f;
      return (Math.sign(x) * Math.round(Math.abs(x))) / f;
    },
  },
  MOD: { min: 2, max: 2, fn: ([a, b]) => arith('%', a ?? null, b ?? null) },
  CONCAT: {
    min: 1,
    max: 255,
    fn: (a) => (a.some((x) => x === null) ? null : a.map((x) => String(x)).join('')),
  },
  COALESCE: { min: 1, max: 255, fn: (a) => a.find((x) => x !== null) ?? null },
  IFNULL: { min: 2, max: 2, fn: ([a, b]) => a ?? b ?? null },
  IF: { min: 3, max: 3, fn: ([c, a, b]) => (truth(c ?? null) ? (a ?? null) : (b ?? null)) },
  JSON_EXTRACT: { min: 2, max: 2, fn: ([d, p]) => jsonExtract(d ?? null, p ?? null) },
  JSON_UNQUOTE: { min: 1, max: 1, fn: ([a]) => (a == null ? null : String(a).replace(/^"(.*)"$/, '$1')) },
  ...CLOCK_FUNCS,
};

/** `b'0101'` (a bit-value literal): its number (BIT columns are read as unsigned integers). */
function bitLiteral(bits: string): Val {
  if (!/^[01]*$/.test(bits)) throw new Error(`invalid bit literal b'${bits}'`);
  if (bits === '') return '';
  const v = BigInt(`0b${bits}`);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function arith(op: string, a: Val, b: Val): Val {
  const x = toNum(a);
  const y = toNum(b);
  if (x === null || y === null) return null;
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? null : x / y;
    case 'DIV':
      return y === 0 ? null : Math.trunc(x / y);
    default:
      return y === 0 ? null : x % y;
  }
}

function columnName(node: Ast): string {
  const c = node.column as unknown;
  if (typeof c === 'string') return c;
  const v = (c as { expr?: { value?: unknown } } | undefined)?.expr?.value;
  if (typeof v === 'string') return v;
  throw new Error('unsupported column reference');
}

function functionName(node: Ast): string {
  const n = node.name as unknown;
  if (typeof n === 'string') return n.toUpperCase();
  const parts = (n as { name?: { value?: unknown }[] } | undefined)?.name;
  const v = parts?.[parts.length - 1]?.value;
  if (typeof v === 'string') return v.toUpperCase();
  throw new Error('unsupported function call');
}

function listItems(node: unknown): Ast[] {
  const n = node as Ast;
  if (n?.type === 'expr_list' && Array.isArray(n.value)) return n.value as Ast[];
  throw new Error('expected a list');
}

function compile(node: Ast): Evaluator {
  switch (node.type) {
    case 'number': {
      const v = Number(node.value);
      return () => v;
    }
    case 'single_quote_string':
    case 'double_quote_string':
    case 'string':
    case 'natural_string':
    case 'regex_string': {
      const v = String(node.value);
      return () => v;
    }
    case 'bool': {
      const v = node.value ? 1 : 0;
      return () => v;
    }
    case 'bit_string': {
      const v = bitLiteral(String(node.value));
      return () => v;
    }
    case 'hex_string': {
      // x'41': a binary string (the bytes, read as latin1 like binary column values).
      const hex = String(node.value);
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`invalid hexadecimal literal x'${hex}'`);
      const v = Buffer.from(hex, 'hex').toString('latin1');
      return () => v;
    }
    case 'null':
      return () => null;
    case 'column_ref': {
      const name = columnName(node).toLowerCase();
      return (row) => toCell(row(name));
    }
    case 'unary_expr': {
      const inner = compile(node.expr as Ast);
      const op = String(node.operator).toUpperCase();
      if (op === 'NOT' || op === '!') return (row) => fromBool(negate(truth(inner(row))));
      if (op === '-') return (row) => arith('-', 0, inner(row));
      if (op === '+') return inner;
      throw new Error(`unsupported operator ${op}`);
    }
    case 'function': {
      const name = functionName(node);
      if (name === 'NOT') {
        // node-sql-parser reads `NOT (expr)` as a call of NOT.
        const [arg, ...rest] = node.args ? listItems(node.args).map(compile) : [];
        if (!arg || rest.length > 0) throw new Error('NOT takes one operand');
        return (row) => fromBool(negate(truth(arg(row))));
      }
      const f = FUNCS[name];
      if (!f) throw new Error(`unsupported function ${name}`);
      const args = node.args ? listItems(node.args).map(compile) : [];
      if (args.length < f.min || args.length > f.max) throw new Error(`wrong number of arguments to ${name}`);
      const zone = compileZone;
      return (row) =>
        f.fn(
          args.map((a) => a(row)),
          zone,
        );
    }
    case 'binary_expr':
      return compileBinary(node);
    default:
      throw new Error(`unsupported expression (${node.type})`);
  }
}

function negate(b: boolean | null): boolean | null {
  return b === null ? null : !b;
}

function compileBinary(node: Ast): Evaluator {
  const op = String(node.operator).toUpperCase();
  const left = compile(node.left as Ast);
  switch (op) {
    // `col->'$.path'` is JSON_EXTRACT(col, path); `->>` is JSON_UNQUOTE of it. Scalars come
    // back as SQL values either way, so both compare as MySQL compares them with literals.
    case '->':
    case '->>': {
      const path = compile(node.right as Ast);
      return (row) => jsonExtract(left(row), path(row));
    }
    case 'IN':
    case 'NOT IN': {
      const items = listItems(node.right).map(compile);
      const not = op === 'NOT IN';
      return (row) => {
        const l = left(row);
        if (l === null) return null;
        let sawNull = false;
        for (const it of items) {
          const c = compareVals(l, it(row));
          if (c === 0) return not ? 0 : 1;
          if (c === null) sawNull = true;
        }
        return sawNull ? null : not ? 1 : 0;
      };
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      const [lo, hi] = listItems(node.right).map(compile);
      if (!lo || !hi) throw new Error('BETWEEN needs two bounds');
      const not = op === 'NOT BETWEEN';
      return (row) => {
        const v = left(row);
        const a = compareVals(v, lo(row));
        const b = compareVals(v, hi(row));
        const r = a === null || b === null ? null : a >= 0 && b <= 0;
        return fromBool(not ? negate(r) : r);
      };
    }
    case 'IS':
    case 'IS NOT': {
      const rightNode = node.right as Ast;
      const not = op === 'IS NOT';
      let test: (v: Val) => boolean;
      if (rightNode.type === 'null') test = (v) => v === null;
      else if (rightNode.type === 'bool') test = (v) => truth(v) === Boolean(rightNode.value);
      else throw new Error('IS needs NULL, TRUE or FALSE');
      return (row) => fromBool(test(left(row)) !== not);
    }
    case 'LIKE':
    case 'NOT LIKE': {
      const right = compile(node.right as Ast);
      const not = op === 'NOT LIKE';
      const cache = new Map<string, RegExp>();
      return (row) => {
        const v = toStr(left(row));
        const p = toStr(right(row));
        if (v === null || p === null) return null;
        let re = cache.get(p);
        if (!re) {
          re = likeRegex(p);
          cache.set(p, re);
        }
        return fromBool(re.test(v) !== not);
      };
    }
  }
  const right = compile(node.right as Ast);
  switch (op) {
    case 'AND':
    case '&&':
      return (row) => {
        const a = truth(left(row));
        if (a === false) return 0;
        const b = truth(right(row));
        if (b === false) return 0;
        return a === null || b === null ? null : 1;
      };
    case 'OR':
    case '||':
      return (row) => {
        const a = truth(left(row));
        if (a === true) return 1;
        const b = truth(right(row));
        if (b === true) return 1;
        return a === null || b === null ? null : 0;
      };
    case 'XOR':
      return (row) => {
        const a = truth(left(row));
        const b = truth(right(row));
        return a === null || b === null ? null : fromBool(a !== b);
      };
    case '=':
    case '<=>':
      if (op === '<=>') {
        return (row) => {
          const a = left(row);
          const b = right(row);
          if (a === null || b === null) return fromBool(a === b);
          return fromBool(compareVals(a, b) === 0);
        };
      }
      return (row) => cmp(left(row), right(row), (c) => c === 0);
    case '!=':
    case '<>':
      return (row) => cmp(left(row), right(row), (c) => c !== 0);
    case '<':
      return (row) => cmp(left(row), right(row), (c) => c < 0);
    case '<=':
      return (row) => cmp(left(row), right(row), (c) => c <= 0);
    case '>':
      return (row) => cmp(left(row), right(row), (c) => c > 0);
    case '>=':
      return (row) => cmp(left(row), right(row), (c) => c >= 0);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case 'DIV':
    case 'MOD':
      return (row) => arith(op === 'MOD' ? '%' : op, left(row), right(row));
    default:
      throw new Error(`unsupported operator ${op}`);
  }
}

function cmp(a: Val, b: Val, pred: (c: number) => boolean): Val {
  const c = compareVals(a, b);
  return c === null ? null : fromBool(pred(c));
}

/** True only when the value is SQL-true (NULL and 0 are not). */
export function isTrue(v: Val): boolean {
  return truth(v) === true;
}
