import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { SOURCE_BASE, TASK_BASE, toToml, tryKey, withKey } from '../../../scripts/config-key-table.js';
import { DM_KEYS, DM_REFUSED_VALUES, type DmKey } from '../../../scripts/config-keys/dm-keys.js';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  ROOT,
  startMaster,
  startWorker,
  waitMasterReady,
  waitUntil,
  waitWorkerRegistered,
} from '../../harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';

const run = promisify(execFile);

/**
 * docs/config-reference.md's key table is produced in-process (scripts/config-key-table.ts);
 * this checks a sample of it through the programs a user runs — `dmctl check-task`,
 * `dmctl operate-source create`, `dm-worker --config`, `dm-master --config` — and expects the
 * same outcome: refused with the same code, warned 20050 in the log, or accepted.
 */
describe('config keys: the table agrees with the real entry points', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let master: MasterProcess;
  let worker: DmProcess;
  const dir = tempDir('dm-keys-e2e-');

  const pick = (kind: 'task' | 'source', keys: string[]): DmKey[] =>
    keys.map((k) => {
      const found =
        DM_KEYS[kind].find((x) => x.key === k) ?? DM_REFUSED_VALUES[kind].find((x) => x.key === k);
      assert.ok(found, k);
      return found;
    });

  before(async () => {
    up = await startMariadb({ serverId: 51 });
    down = await startMariadb({ serverId: 52, noBinlog: true });
    await up.query('CREATE DATABASE db1; CREATE TABLE db1.t1 (id INT PRIMARY KEY, c INT)');
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    const wcfg = join(dir, 'dm-worker.toml');
    writeFileSync(wcfg, 'log-rotate = "day"\nredact-info-log = false\nssl-ca-bytes = []\n');
    worker = await startWorker('w1', master.addr, ['--config', wcfg]);
    await waitWorkerRegistered(master.addr, 'w1');
    const src = withKey(SOURCE_BASE, { key: 'from.port', value: up.port });
    const f = join(dir, 'source.yaml');
    writeFileSync(f, stringify(src));
    const r = await dmctl(master.addr, 'operate-source', 'create', f);
    assert.equal(r.json.result, true, r.stdout);
  });

  after(async () => {
    await worker?.stop();
    await master?.stop();
    await Promise.all([up?.destroy(), down?.destroy()]);
  });

  it('dm-worker --config: the keys DM ignores are warned 20050 in its log', async () => {
    await waitUntil(() => /20050/.test(worker.log()), 10_000, 'warning logged');
    for (const k of ['log-rotate', 'redact-info-log', 'ssl-ca-bytes']) {
      assert.equal(tryKey('worker', { key: k, value: k === 'ssl-ca-bytes' ? [] : 'day' }).kind, 'warned');
      assert.match(worker.log(), new RegExp(`20050[^\\n]*${k}|${k}[^\\n]*20050`), k);
    }
  });

  it('dm-master --config: a refused key stops it with the same code', async () => {
    for (const k of DM_REFUSED_VALUES.master.slice(0, 3)) {
      const o = tryKey('master', k);
      assert.equal(o.kind, 'refused');
      const f = join(dir, 'dm-master.toml');
      writeFileSync(f, toToml(withKey({ name: 'mx' }, k)));
      const r = await run(join(ROOT, 'bin', 'dm-master'), ['--config', f], { timeout: 30_000 }).then(
        () => ({ code: 0, out: '' }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          code: e.code ?? -1,
          out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
        }),
      );
      assert.notEqual(r.code, 0, k.key);
      assert.match(r.out, new RegExp(o.detail.split(':')[0]!), `${k.key}: ${r.out}`);
    }
  });

  it('dmctl check-task: refused, warned and accepted as the table says', async () => {
    const base = withKey(TASK_BASE, { key: 'target-database.port', value: down.port });
    const keys = pick('task', [
      'syncers.*.batch',
      'timezone',
      'syncers.*.max-retry',
      'enable-heartbeat',
      'loaders.*.security.ssl-ca',
      'mydumpers.*.skip-tz-utc',
      'column-mappings.*.expression',
      'collation_compatible',
      'loaders.*.import-mode',
      'mydumpers.*.extra-args',
    ]);
    // the refused-value samples of the same keys (the last three), not their accepted samples
    const refused = DM_REFUSED_VALUES.task.filter((k) =>
      ['collation_compatible', 'loaders.*.import-mode', 'mydumpers.*.extra-args'].includes(k.key),
    );
    for (const k of [...keys.slice(0, 7), ...refused]) {
      const o = tryKey('task', k);
      const f = join(dir, 'task.yaml');
      writeFileSync(f, stringify(withKey(base, k)));
      const before = master.log().length;
      const r = await dmctl(master.addr, 'check-task', f);
      const out = r.stdout + r.stderr;
      const code = /code=(\d+)/.exec(out)?.[1];
      if (o.kind === 'refused') {
        assert.equal(code, o.detail.split(':')[0], `${k.key}: ${out}`);
      } else {
        assert.ok(code === undefined || !code.startsWith('200'), `${k.key} refused: ${out}`);
        // the warning names the key DM ignores: the sample's key or its parent block
        const names = k.key
          .split('.')
          .filter((p) => p !== '*')
          .slice(-2);
        const warned = () => {
          const log = master.log().slice(before);
          return log.includes('20050') && names.some((n) => log.includes(n));
        };
        if (o.kind === 'warned') await waitUntil(warned, 10_000, `${k.key} warned in the master log`);
        else assert.equal(warned(), false, `${k.key} warned`);
      }
    }
  });

  it('dmctl operate-source create: a refused source key gives the same code', async () => {
    const k: DmKey = { key: 'flavor', value: 'oracle' };
    const o = tryKey('source', k);
    assert.equal(o.kind, 'refused');
    const f = join(dir, 'source-bad.yaml');
    writeFileSync(f, stringify(withKey(withKey(SOURCE_BASE, { key: 'source-id', value: 's2' }), k)));
    const r = await dmctl(master.addr, 'operate-source', 'create', f);
    assert.equal(/code=(\d+)/.exec(r.stdout + r.stderr)?.[1], o.detail.split(':')[0], r.stdout);
  });
});
