import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../pkg/log/logger.js';
import { purgeCheck, purgeOnce, startRelayPurger } from './relay-purger.js';

const GB = 1024 ** 3;

describe('relay purger (source purge settings, as DM purger.go)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-purger-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('space first (free < remain-space GB: every inactive file), then time (expires hours)', () => {
    const p = { interval: 3600, expires: 24, remainSpace: 15 };
    assert.deepEqual(purgeCheck(p, 14 * GB, 0), { inactive: true });
    assert.deepEqual(purgeCheck(p, 16 * GB, 7), { expiresHours: 24, nowMs: 7 });
    assert.equal(purgeCheck({ ...p, expires: 0 }, 16 * GB, 7), undefined);
    assert.equal(purgeCheck({ interval: 3600, expires: 0, remainSpace: 0 }, 0, 7), undefined);
  });

  it('a round removes the old files but never the newest; interval 0 or no strategy starts nothing', async () => {
    const sub = 'uuid-1.000001';
    mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'server-uuid.index'), `${sub}\n`);
    const old = Date.now() / 1000 - 48 * 3600;
    for (const f of ['mysql-bin.000001', 'mysql-bin.000002', 'mysql-bin.000003']) {
      writeFileSync(join(dir, sub, f), 'x');
      utimesSync(join(dir, sub, f), old, old);
    }
    const byTime = { relayDir: dir, logger: silentLogger, free: async () => 100 * GB };
    const removed = await purgeOnce({ ...byTime, purge: { interval: 1, expires: 24, remainSpace: 15 } });
    assert.deepEqual(
      removed.map((f) => f.file),
      ['mysql-bin.000001', 'mysql-bin.000002'],
    );
    assert.deepEqual(
      readdirSync(join(dir, sub)).filter((f) => f.startsWith('mysql-bin')),
      ['mysql-bin.000003'],
    );
    const stop = startRelayPurger({ ...byTime, purge: { interval: 0, expires: 24, remainSpace: 15 } });
    stop();
  });
});
