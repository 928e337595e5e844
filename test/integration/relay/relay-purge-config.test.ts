import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { silentLogger } from '../../../src/pkg/log/logger.js';
import { readIndex } from '../../../src/relay/relay-layout.js';
import { Relay } from '../../../src/relay/relay-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb, tempDir } from '../../harness/index.js';
import { binlogs, masterPos, waitFor, writeLoad } from './helpers.js';

/**
 * The source.yaml `purge` block drives the relay's purger (DM's purger.go): two relays copy the
 * same upstream; the one whose source says `purge: {interval: 1, remain-space: <more than any
 * disk>}` removes every inactive relay file within seconds (space strategy), the one whose
 * source sets no strategy (`expires: 0`, `remain-space: 0`) keeps them all.
 */
describe('relay: source.yaml purge settings', () => {
  let db: MariadbInstance;
  const running: AbortController[] = [];
  const relays: Relay[] = [];

  before(async () => {
    db = await startMariadb();
    await db.query(
      'CREATE DATABASE r1; CREATE TABLE r1.t (id INT PRIMARY KEY, v VARCHAR(100), b VARBINARY(100))',
    );
  });

  after(async () => {
    for (const ac of running) ac.abort();
    for (const r of relays) await r.close();
    await db?.destroy();
  });

  const relayWith = (purge: Record<string, number>, dir: string, serverId: number, from: string): Relay => {
    const source = parseSourceConfig(
      stringify({
        'source-id': 'src-purge',
        'server-id': serverId,
        'enable-relay': true,
        'relay-binlog-name': from,
        from: { host: db.host, port: db.port, user: db.user, password: db.password },
        purge,
      }),
      'source.yaml',
    );
    return new Relay({ source: { ...source, relayDir: dir }, deps: { logger: silentLogger, workDir: dir } });
  };

  const relayFiles = (dir: string): string[] => {
    const sub = readIndex(dir)[0]?.name;
    if (!sub) return [];
    return readdirSync(join(dir, sub))
      .filter((f) => /\.\d{6}$/.test(f))
      .sort();
  };

  it('remain-space above the free space purges every inactive relay file; no strategy keeps them', async () => {
    const first = (await binlogs(db))[0]!;
    const dirs = {
      purging: join(tempDir('dm-relay-purge-'), 'relay'),
      keeping: join(tempDir('dm-relay-keep-'), 'relay'),
    };
    // 10 PB: more than any disk has free, so the space strategy applies at every round
    const purging = relayWith(
      { interval: 1, expires: 0, 'remain-space': 10_000_000 },
      dirs.purging,
      1_004_301,
      first,
    );
    const keeping = relayWith({ interval: 1, expires: 0, 'remain-space': 0 }, dirs.keeping, 1_004_302, first);
    for (const r of [purging, keeping]) {
      relays.push(r);
      await r.init();
      const ac = new AbortController();
      running.push(ac);
      void r.process(ac.signal);
    }
    let id = 0;
    for (let round = 0; round < 4; round++) {
      id += await writeLoad(db, 'r1', 30, id);
      await db.query('FLUSH BINARY LOGS');
    }
    await db.query('INSERT INTO r1.t VALUES (100000, "after last flush", NULL)');
    const m = await masterPos(db);
    const caughtUp = (r: Relay) => r.status().relayBinlog === `(${m.file}, ${m.pos})`;
    await waitFor('both relays caught up', () => caughtUp(purging) && caughtUp(keeping));
    const upstreamFiles = (await binlogs(db)).length;
    // the relay without a purge strategy has every file it copied
    assert.ok(relayFiles(dirs.keeping).length >= 5, relayFiles(dirs.keeping).join(','));
    // the purging one is left with the file being written only
    await waitFor('purged to the active file', () => relayFiles(dirs.purging).length === 1, 15_000);
    assert.deepEqual(relayFiles(dirs.purging), [m.file]);
    // and the other still has them all (its purger never ran a strategy)
    assert.ok(relayFiles(dirs.keeping).length >= 5 && upstreamFiles >= 5, relayFiles(dirs.keeping).join(','));
  });
});
