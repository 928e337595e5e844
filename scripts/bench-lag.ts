/**
 * Replication lag under a steady write load (issue 14: p99 ≤ 500 ms at half the saturating
 * write rate), for bench-incremental.ts. A heartbeat row `bench.hb` (id 1) is updated upstream
 * every 50 ms with the bench's clock; each downstream is polled every 50 ms and its lag sample
 * is "now − the heartbeat it shows" (so a sample includes up to ~50 ms of heartbeat and poll
 * granularity, the same for every side). Both downstreams run live, side by side, while
 * sysbench writes at `rate` transactions per second.
 */
import type { MariadbInstance } from '../test/harness/mariadb.js';
import { sysbench } from './bench-common.js';

export interface LagResult {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** `CREATE TABLE bench.hb` upstream (replicated to the downstreams like any table). */
export async function createHeartbeat(up: MariadbInstance): Promise<void> {
  await up.query('CREATE TABLE IF NOT EXISTS bench.hb (id INT PRIMARY KEY, ts BIGINT NOT NULL)');
  await up.query('REPLACE INTO bench.hb VALUES (1, ?)', [Date.now()]);
}

/**
 * Run sysbench at `rate` tx/s for `seconds` and sample each downstream's lag meanwhile (the
 * first 2 s, while the rate ramps up, are left out). Resolves with one result per downstream.
 */
export async function measureLag(
  up: MariadbInstance,
  downs: MariadbInstance[],
  rows: number,
  seconds: number,
  rate: number,
): Promise<LagResult[]> {
  let running = true;
  const t0 = Date.now();
  const beat = async (): Promise<void> => {
    const c = await up.connect('bench');
    try {
      while (running) {
        await c.query('UPDATE hb SET ts = ? WHERE id = 1', [Date.now()]);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await c.end();
    }
  };
  const poll = async (db: MariadbInstance): Promise<number[]> => {
    const c = await db.connect('bench');
    const lags: number[] = [];
    try {
      while (running) {
        const [rs] = await c.query('SELECT ts FROM hb WHERE id = 1');
        const now = Date.now();
        const ts = Number((rs as { ts: number }[])[0]?.ts ?? 0);
        if (now - t0 > 2000) lags.push(Math.max(0, now - ts));
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await c.end();
    }
    return lags;
  };
  const beating = beat();
  const polls = downs.map(poll);
  try {
    await sysbench(up, 'run', rows, seconds, rate);
  } finally {
    running = false;
  }
  await beating;
  return (await Promise.all(polls)).map((lags) => {
    const s = lags.sort((a, b) => a - b);
    return {
      p50: percentile(s, 50),
      p99: percentile(s, 99),
      max: s[s.length - 1] ?? Number.NaN,
      samples: s.length,
    };
  });
}
