import type { MariadbInstance } from './mariadb.js';
import { until } from './poll.js';

/**
 * The independent data check (DESIGN.md §7): CHECKSUM TABLE plus COUNT(*) per table, computed
 * by the servers themselves, never by the code under test.
 */
export interface TableSum {
  table: string;
  count: number;
  checksum: string | null;
}

export async function tableSums(db: MariadbInstance, schema: string): Promise<TableSum[]> {
  const tables = await db.query<{ t: string }>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [schema],
  );
  // MariaDB 10.11's CHECKSUM TABLE is not a function of the data for a table with both an
  // INVISIBLE and a generated column: the same rows, reached by different UPDATE statements,
  // gave different checksums (measured). Such tables get the column-wise CRC instead.
  const odd = new Set(
    (
      await db.query<{ t: string }>(
        "SELECT TABLE_NAME AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND (EXTRA LIKE '%INVISIBLE%' OR EXTRA LIKE '%GENERATED%') GROUP BY TABLE_NAME HAVING SUM(EXTRA LIKE '%INVISIBLE%') > 0 AND SUM(EXTRA LIKE '%GENERATED%') > 0",
        [schema],
      )
    ).map((r) => r.t),
  );
  const out: TableSum[] = [];
  for (const { t } of tables) {
    if (odd.has(t)) {
      const r = await crcSum(db, schema, t);
      out.push({ table: t, count: r.count, checksum: `crc:${r.crc}` });
      continue;
    }
    const q = `\`${schema}\`.\`${t}\``;
    const [c] = await db.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${q}`);
    const [s] = await db.query<{ Checksum: string | number | null }>(`CHECKSUM TABLE ${q}`);
    out.push({
      table: t,
      count: Number(c?.n ?? -1),
      checksum: s?.Checksum == null ? null : String(s.Checksum),
    });
  }
  return out;
}

/**
 * Chunk-free variant of sync-diff-inspector's check for one table: COUNT(*) and
 * BIT_XOR(CRC32(CONCAT_WS(…, ISNULL(…)))) over all columns. Works across servers whose
 * CHECKSUM TABLE differs (e.g. different row formats).
 */
export async function crcSum(
  db: MariadbInstance,
  schema: string,
  table: string,
): Promise<{ count: number; crc: string }> {
  const cols = await db.query<{ c: string }>(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [schema, table],
  );
  const names = cols.map(({ c }) => `\`${c}\``);
  const expr = `BIT_XOR(CAST(CRC32(CONCAT_WS(',', ${names.join(', ')}, CONCAT(${names.map((n) => `ISNULL(${n})`).join(', ')}))) AS UNSIGNED))`;
  const [r] = await db.query<{ n: string | number; x: string | number | null }>(
    `SELECT COUNT(*) AS n, ${expr} AS x FROM \`${schema}\`.\`${table}\``,
  );
  return { count: Number(r?.n ?? -1), crc: String(r?.x ?? '0') };
}

/**
 * Wait until `up`'s `from` table and `down`'s `to` table (each `schema.table`) have the same
 * COUNT(*) and CHECKSUM TABLE; the last sums go in the timeout message.
 */
export async function waitTableEqual(
  up: MariadbInstance,
  from: string,
  down: MariadbInstance,
  to: string,
  ms = 60_000,
): Promise<void> {
  const sumOf = async (db: MariadbInstance, name: string) => {
    const [schema = '', table] = name.split('.');
    return (await tableSums(db, schema)).find((t) => t.table === table);
  };
  let detail = '';
  await until(
    async () => {
      const a = await sumOf(up, from);
      const b = await sumOf(down, to);
      detail = JSON.stringify([a, b]);
      return a !== undefined && b !== undefined && a.count === b.count && a.checksum === b.checksum;
    },
    ms,
    `${from} equal to ${to}`,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}: ${detail}`);
  });
}
