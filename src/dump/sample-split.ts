/**
 * Splitting tables whose key is not a single integer column (pure parts). Boundaries are key
 * tuples sampled from the table itself (`ORDER BY key LIMIT 1 OFFSET n` on the snapshot
 * connection), and chunk i is `(key) >= b_i AND (key) < b_{i+1}` with row-constructor
 * comparisons. Since boundaries come from the column itself, comparing under the column's
 * own collation partitions the rows exactly (every key column is NOT NULL, so no row
 * compares as NULL and falls through).
 */

/** How a sampled key value is written back as a literal; undefined = type not splittable. */
export type SampleKind = 'num' | 'text' | 'bin' | 'date';

const NUM = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric']);
const TEXT = new Set(['char', 'varchar']);
const BIN = new Set(['binary', 'varbinary']);

/**
 * Key column types we can round-trip exactly. Floats, temporal types with fractions/time
 * zones, TEXT/BLOB and ENUM/SET are left out: their literals could compare differently.
 */
export function sampleKind(dataType: string, charset?: string | null): SampleKind | undefined {
  const dt = dataType.toLowerCase();
  if (NUM.has(dt)) return 'num';
  if (TEXT.has(dt)) return charset && charset !== 'binary' ? 'text' : 'bin';
  if (BIN.has(dt)) return 'bin';
  if (dt === 'date') return 'date';
  return undefined;
}

/**
 * SQL literal for one sampled value, as the raw text-protocol bytes (utf8mb4 for text).
 * Text uses a charset introducer so the literal is coercible and the column's collation
 * decides the comparison; binary uses a plain hex literal (byte comparison, as the column).
 */
export function boundaryLiteral(v: Buffer, kind: SampleKind): string {
  switch (kind) {
    case 'num': {
      const s = v.toString('latin1');
      if (!/^-?\d+(\.\d+)?$/.test(s)) return `'${s.replace(/[^0-9.-]/g, '')}'`;
      return s;
    }
    case 'date':
      return `'${v.toString('latin1').replace(/[^0-9-]/g, '')}'`;
    case 'text':
      return v.length ? `_utf8mb4 X'${v.toString('hex')}'` : "_utf8mb4''";
    case 'bin':
      return v.length ? `X'${v.toString('hex')}'` : "_binary''";
  }
}

/** One boundary key tuple, already rendered as SQL literals. */
export type Boundary = string[];

function tuple(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(',')})`;
}

/**
 * WHERE conditions for `boundaries.length + 1` chunks covering every key exactly once:
 * first `< b_1`, then `>= b_i AND < b_{i+1}`, last `>= b_last`. No boundary = one chunk ('').
 */
export function boundaryWheres(quotedCols: readonly string[], boundaries: readonly Boundary[]): string[] {
  if (boundaries.length === 0) return [''];
  const key = tuple(quotedCols);
  const out: string[] = [];
  for (let i = 0; i <= boundaries.length; i++) {
    const lo = boundaries[i - 1];
    const hi = boundaries[i];
    const parts: string[] = [];
    if (lo) parts.push(`${key} >= ${tuple(lo)}`);
    if (hi) parts.push(`${key} < ${tuple(hi)}`);
    out.push(parts.join(' AND '));
  }
  return out;
}

/** Row offsets to sample boundaries at, for `chunks` chunks over about `estRows` rows. */
export function sampleOffsets(estRows: number, chunks: number): number[] {
  if (chunks <= 1 || estRows <= 0) return [];
  const step = Math.ceil(estRows / chunks);
  const out: number[] = [];
  for (let k = 1; k < chunks; k++) out.push(k * step);
  return out;
}
