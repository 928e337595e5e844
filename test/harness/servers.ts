import { after, before } from 'node:test';
import { pino } from 'pino';
import { type MariadbInstance, type MariadbOptions, startMariadb } from './mariadb.js';

/** An upstream (binlog on) and a downstream (no binlog), started together. */
export function startPair(
  o: { up?: MariadbOptions; down?: MariadbOptions } = {},
): Promise<[MariadbInstance, MariadbInstance]> {
  return Promise.all([startMariadb(o.up), startMariadb({ ...o.down, noBinlog: true })]);
}

/** Destroy every server given (undefined ones, from a before() that failed early, are skipped). */
export async function destroyAll(...dbs: (MariadbInstance | undefined)[]): Promise<void> {
  await Promise.all(dbs.map((d) => d?.destroy()));
}

/**
 * For the describe block it is called in: start an upstream and a downstream before its
 * tests, hand them to `set`, destroy both after them.
 */
export function useUpDown(set: (pair: [MariadbInstance, MariadbInstance]) => void): void {
  let pair: MariadbInstance[] = [];
  before(async () => {
    const p = await startPair();
    pair = p;
    set(p);
  });
  after(() => destroyAll(...pair));
}

/** The logger handed to units under test: silent unless DM_TEST_LOG is set. */
export function testLogger() {
  return process.env.DM_TEST_LOG ? pino({ level: 'debug' }) : pino({ level: 'silent' });
}

/** Stop the cluster (its workers, then its master), then destroy the servers. */
export async function stopAll(
  dm: { stop(): Promise<void> } | undefined,
  ...dbs: (MariadbInstance | undefined)[]
): Promise<void> {
  await dm?.stop();
  await destroyAll(...dbs);
}
