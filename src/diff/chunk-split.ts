import { quoteId, quoteTable } from '../pkg/db/connect.js';
import type { DiffSource } from './diff-source.js';
import { type Cell, type ChunkBounds, chunkWhere, type Row, type TableShape } from './diff-sql.js';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
/**
 * Equal-width ranges are used only when the key is dense enough: at most this many possible
 * key values per row, so a chunk holds on average at most this many times `chunk-size` rows.
 */
const MAX_SPARSENESS = 4n;

/**
 * A table's chunks on the target, in key order (`lower < key <= upper`, the first without a
 * lower bound and the last without an upper one, so source rows beyond the target's keys are
 * still compared), yielded as soon as each is known so chunk checks start while the split
 * goes on.
 *
 * A single integer key that is dense enough is cut into equal-width ranges from its MIN/MAX
 * (index reads) and the server's row estimate: no pass over the table, so the chunk checks
 * alone read it. Otherwise bounds are taken `size` rows apart, each found by an index range
 * read of one chunk (`WHERE key > previous bound ORDER BY key LIMIT 1 OFFSET size-1`).
 */
export async function* splitChunks(
  src: DiffSource,
  schema: string,
  table: string,
  shape: TableShape,
  range: string,
  size: number,
): AsyncGenerator<ChunkBounds> {
  const widths = await integerRanges({ src, schema, table, shape, range, size });
  if (widths) {
    yield* widths;
    return;
  }
  const key = shape.key;
  let lower: Cell[] | undefined;
  const cols = key.map(quoteId).join(', ');
  for (;;) {
    const where = chunkWhere(key, lower ? { lower } : {}, range);
    const [row] = await src.query<Row>(
      `SELECT ${cols} FROM ${quoteTable(schema, table)} WHERE ${where} ORDER BY ${cols} LIMIT 1 OFFSET ${size - 1}`,
    );
    if (!row) {
      yield lower ? { lower } : {};
      return;
    }
    const upper = key.map((k) => row[k] ?? null);
    yield lower ? { lower, upper } : { upper };
    lower = upper;
  }
}

/** Equal-width chunks of a dense single integer key, or undefined when that does not apply. */
async function integerRanges(spec: {
  src: DiffSource;
  schema: string;
  table: string;
  shape: TableShape;
  range: string;
  size: number;
}): Promise<ChunkBounds[] | undefined> {
  const { src, schema, table, shape, range, size } = spec;
  if (shape.key.length !== 1) return undefined;
  const k = shape.key[0]!;
  const col = shape.columns.find((c) => c.name.toLowerCase() === k.toLowerCase());
  if (!col || !INTEGER_TYPES.has(col.dataType)) return undefined;
  const [mm] = await src.query<{ lo: Cell; hi: Cell }>(
    `SELECT MIN(${quoteId(k)}) AS lo, MAX(${quoteId(k)}) AS hi FROM ${quoteTable(schema, table)} WHERE ${chunkWhere([k], {}, range)}`,
  );
  if (mm?.lo === null || mm?.lo === undefined || mm.hi === null || mm.hi === undefined) return [{}];
  const [est] = await src.query<{ n: Cell }>(
    'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [schema, table],
  );
  const lo = BigInt(String(mm.lo));
  const hi = BigInt(String(mm.hi));
  const span = hi - lo + 1n;
  const rows = BigInt(Math.max(1, Math.round(Number(est?.n ?? 0))));
  if (span > rows * MAX_SPARSENESS) return undefined;
  const chunks = (rows + BigInt(size) - 1n) / BigInt(size);
  if (chunks <= 1n) return [{}];
  const width = (span + chunks - 1n) / chunks;
  const out: ChunkBounds[] = [];
  let lower: bigint | undefined;
  for (let upper = lo + width - 1n; upper < hi; upper += width) {
    out.push(lower === undefined ? { upper: [upper] } : { lower: [lower], upper: [upper] });
    lower = upper;
  }
  out.push(lower === undefined ? {} : { lower: [lower] });
  return out;
}
