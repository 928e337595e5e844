import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MariadbInstance, WriteLoop } from '../../harness/index.js';
import { startPair, tableSums, waitUntil, writeLoop } from '../../harness/index.js';

/** Sample schema with many column types, a table without a primary key, and `rows` rows. */
export async function loadSample(db: MariadbInstance, schema: string, rows: number): Promise<void> {
  await db.query(`CREATE DATABASE ${schema};
    CREATE TABLE ${schema}.users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) CHARACTER SET utf8mb4,
      email VARCHAR(128) UNIQUE, balance DECIMAL(12,2), created DATETIME(3), flags BIT(8), born DATE, active TINYINT(1));
    CREATE TABLE ${schema}.orders (id BIGINT UNSIGNED PRIMARY KEY, user_id INT, status ENUM('new','paid','shipped'),
      tags SET('gift','express','fragile'), note TEXT, payload JSON, bin_data VARBINARY(16), amount DOUBLE, ts TIMESTAMP(6) NULL,
      latin VARCHAR(20) CHARACTER SET latin1);
    CREATE TABLE ${schema}.audit (seq INT, msg VARCHAR(200), at TIME(2));
    CREATE TABLE ${schema}.empty_one (id INT PRIMARY KEY);`);
  const c = await db.connect();
  try {
    for (let start = 0; start < rows; start += 2000) {
      const users: unknown[][] = [];
      const orders: unknown[][] = [];
      for (let i = start; i < Math.min(rows, start + 2000); i++) {
        users.push([
          `user ${i} ✓ ${'é'.repeat(i % 5)}`,
          `u${i}@example.com`,
          ((i * 7.31) % 10000).toFixed(2),
          `2024-01-01 00:00:00.${String(i % 1000).padStart(3, '0')}`,
          i % 256,
          i % 7 === 0 ? null : '1999-12-31',
          i % 2,
        ]);
        orders.push([
          i + 1,
          (i % rows) + 1,
          ['new', 'paid', 'shipped'][i % 3],
          i % 4 === 0 ? 'gift,express' : '',
          i % 11 === 0 ? null : `note ${i} 🚀`,
          JSON.stringify({ i, tags: [i % 3], s: 'x"y' }),
          Buffer.from([i & 255, 0, 255, 10]),
          i / 3,
          i % 10 === 0 ? null : '2024-05-01 12:00:00.123456',
          'café',
        ]);
      }
      await c.query(
        `INSERT INTO ${schema}.users (name, email, balance, created, flags, born, active) VALUES ?`,
        [users],
      );
      await c.query(`INSERT INTO ${schema}.orders VALUES ?`, [orders]);
      await c.query(`INSERT INTO ${schema}.audit VALUES (?, ?, ?)`, [
        start,
        `batch ${start}`,
        '-12:34:56.78',
      ]);
    }
  } finally {
    await c.end();
  }
}

/** Continuous small writes (insert/update/delete) until `stop()`; counts operations. */
export function startWriter(db: MariadbInstance, schema: string, base: number): WriteLoop {
  return writeLoop(
    () => db.connect(),
    async (c, n) => {
      await c.query(`UPDATE ${schema}.users SET balance = balance + 1, name = CONCAT('w', ?) WHERE id = ?`, [
        n,
        1 + (n % 500),
      ]);
      await c.query(
        `INSERT INTO ${schema}.orders (id, user_id, status, note, latin) VALUES (?, 1, 'new', 'live', 'ñ')`,
        [base + n],
      );
      if (n % 3 === 0) await c.query(`DELETE FROM ${schema}.orders WHERE id = ?`, [base + n - 1]);
      if (n % 7 === 0) await c.query(`INSERT INTO ${schema}.audit VALUES (?, 'live', '01:02:03.04')`, [n]);
    },
  );
}

/** Wait until CHECKSUM TABLE + COUNT(*) of every table agree on both servers. */
export async function waitEqual(
  up: MariadbInstance,
  down: MariadbInstance,
  schema: string,
  ms = 120_000,
): Promise<void> {
  let a: unknown;
  let b: unknown;
  await waitUntil(
    async () => {
      a = await tableSums(up, schema);
      b = await tableSums(down, schema);
      return JSON.stringify(a) === JSON.stringify(b);
    },
    ms,
    `downstream equal to upstream\nup:   ${JSON.stringify(a)}\ndown: ${JSON.stringify(b)}`,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\nup:   ${JSON.stringify(a)}\ndown: ${JSON.stringify(b)}`);
  });
}

export function writeSourceYaml(dir: string, id: string, up: MariadbInstance, extra = ''): string {
  const f = join(dir, `${id}.yaml`);
  writeFileSync(
    f,
    `source-id: "${id}"\nenable-gtid: false\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "root"\n  password: ""\n${extra}`,
  );
  return f;
}

export function writeTaskYaml(
  dir: string,
  name: string,
  sourceId: string,
  down: MariadbInstance,
  schema: string,
  extra = '',
  instanceExtra = '',
): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `name: "${name}"\ntask-mode: "all"\ntarget-database:\n  host: "127.0.0.1"\n  port: ${down.port}\n  user: "root"\n  password: ""\n` +
      `mysql-instances:\n  - source-id: "${sourceId}"\n    block-allow-list: "bal"\n    syncer-config-name: "fast"\n${instanceExtra}` +
      `block-allow-list:\n  bal:\n    do-dbs: ["${schema}"]\nsyncers:\n  fast:\n    worker-count: 4\n    batch: 50\n    checkpoint-flush-interval: 1\n${extra}`,
  );
  return f;
}

/** Upstream `serverId` with the sample schema `shop` of `rows` rows, and a downstream `serverId + 1`. */
export async function startShop(serverId: number, rows: number): Promise<[MariadbInstance, MariadbInstance]> {
  const [up, down] = await startPair({ up: { serverId }, down: { serverId: serverId + 1 } });
  await loadSample(up, 'shop', rows);
  return [up, down];
}
