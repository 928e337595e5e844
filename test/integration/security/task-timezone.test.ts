import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import {
  destroyAll,
  dmctl,
  startCluster,
  startMariadb,
  tempDir,
  waitSynced,
  waitUntil,
} from '../../harness/index.js';
import { writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

/**
 * The task `timezone` as DM applies it (dm/config/subtask.go `AdjustWithTimeZone`, dumpling's
 * `SessionParams`, syncer `TimestampStringLocation` and its expression session): every
 * connection of the task runs with `time_zone` = the task's zone. Observed from outside:
 * the dump's `--where` literal and an expression filter's literal are read in +08:00, the
 * downstream session of the sync is +08:00 (a downstream trigger records it), and TIMESTAMP
 * instants arrive unchanged (UNIX_TIMESTAMP compared on both servers).
 */
describe('task timezone: sessions, dump, load and sync in the task zone', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-tz-');
  const utc = "SET time_zone = '+00:00';";

  before(async () => {
    up = await startMariadb({ serverId: 41 });
    down = await startMariadb({ serverId: 42, noBinlog: true });
    await up.query(`${utc} CREATE DATABASE tzdb;
      CREATE TABLE tzdb.ev (id INT PRIMARY KEY, ts TIMESTAMP(3) NULL DEFAULT NULL, dt DATETIME(3));
      INSERT INTO tzdb.ev VALUES
        (1, '2024-01-01 02:00:00.250', '2024-01-01 02:00:00.250'),
        (2, '2023-12-31 23:00:00', '2023-12-31 23:00:00'),
        (3, '2024-06-01 12:34:56.789', '2024-06-01 12:34:56.789'),
        (4, NULL, NULL);`);
    dm = await startCluster({ workers: ['w1'] });
    await dm.createSource(writeSourceYaml(dir, 'src-01', up));
  });

  after(async () => {
    await dm?.stop();
    await destroyAll(up, down);
  });

  /** id → [UNIX_TIMESTAMP(ts), dt] as the server computes them (independent of our code). */
  async function instants(db: MariadbInstance, ids: number[]): Promise<string> {
    const rows = await db.query<{ id: number; u: string | null; dt: string | null }>(
      `${utc} SELECT id, CAST(UNIX_TIMESTAMP(ts) AS CHAR) AS u, CAST(dt AS CHAR) AS dt FROM tzdb.ev
       WHERE id IN (${ids.join(',')}) ORDER BY id`,
    );
    return JSON.stringify(rows.map((r) => [r.id, r.u, r.dt]));
  }

  /** The validator's findings as `table:id`. */
  async function findings(): Promise<string[]> {
    const r = await dmctl(dm.addr, 'validation', 'show-error', '--error', 'all', 'tz');
    assert.equal(r.json.result, true, r.stdout);
    return ((r.json.error as { srcTable: string; srcData: string }[]) ?? []).map(
      (e) => `${e.srcTable}:${JSON.parse(e.srcData).id}`,
    );
  }

  async function ids(db: MariadbInstance): Promise<number[]> {
    return (await db.query<{ id: number }>('SELECT id FROM tzdb.ev ORDER BY id')).map((r) => r.id);
  }

  it('refuses the zones DM refuses, naming the key', async () => {
    for (const tz of ['SYSTEM', 'Mars/Olympus', '+15:00']) {
      const f = writeTaskYaml(dir, 'bad', 'src-01', down, 'tzdb', `timezone: "${tz}"\n`);
      const r = await dmctl(dm.addr, 'check-task', f);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stdout, /timezone/, r.stdout);
      assert.match(r.stdout, /code=20005/, r.stdout);
    }
  });

  it('dumps, loads and replicates in the task zone', async () => {
    const task = writeTaskYaml(
      dir,
      'tz',
      'src-01',
      down,
      'tzdb',
      'timezone: "+08:00"\n' +
        'mydumpers:\n  m:\n    extra-args: >-\n      --where "ts IS NULL OR ts >= \'2024-01-01 08:00:00\'"\n' +
        'expression-filter:\n  early:\n    schema: "tzdb"\n    table: "ev"\n' +
        '    insert-value-expr: "ts < \'2024-01-01 08:00:00\'"\n' +
        'validators:\n  v:\n    mode: full\n    row-error-delay: 1s\n',
      '    mydumper-config-name: "m"\n    expression-filters: ["early"]\n    validator-config-name: "v"\n',
    );
    const r = await dmctl(dm.addr, 'start-task', task);
    assert.equal(r.json.result, true, r.stdout + r.stderr);
    await waitSynced(dm.addr, 'tz');
    // Dump `--where` read in +08:00: row 2 (07:00 there) is left out, row 1 (10:00) is in.
    assert.deepEqual(await ids(down), [1, 3, 4]);
    assert.equal(await instants(down, [1, 3, 4]), await instants(up, [1, 3, 4]));

    await up.query('CREATE TABLE tzdb.probe (id INT PRIMARY KEY, v VARCHAR(64))');
    await waitUntil(
      async () => (await down.query("SHOW TABLES FROM tzdb LIKE 'probe'")).length === 1,
      60_000,
      'probe table downstream',
    );
    await down.query(
      'CREATE TRIGGER tzdb.probe_tz BEFORE INSERT ON tzdb.probe FOR EACH ROW SET NEW.v = @@session.time_zone',
    );
    await up.query(`${utc} INSERT INTO tzdb.ev VALUES
        (101, '2024-01-01 02:00:00', '2024-01-01 02:00:00'),
        (102, '2023-12-31 23:00:00', '2023-12-31 23:00:00'),
        (103, '2024-06-01 12:34:56.789', '2024-06-01 12:34:56.789');
      UPDATE tzdb.ev SET ts = '2024-03-10 01:00:00.5' WHERE id = 1;
      INSERT INTO tzdb.probe VALUES (1, 'upstream');`);
    await waitUntil(
      async () => (await down.query('SELECT id FROM tzdb.probe WHERE id = 1')).length === 1,
      60_000,
      'probe row downstream',
    );
    await waitSynced(dm.addr, 'tz');
    // The expression filter read its literal in +08:00: 102 (07:00 there) skipped, 101 kept.
    assert.deepEqual(await ids(down), [1, 3, 4, 101, 103]);
    assert.equal(await instants(down, [1, 3, 4, 101, 103]), await instants(up, [1, 3, 4, 101, 103]));
    const [probe] = await down.query<{ v: string }>('SELECT v FROM tzdb.probe WHERE id = 1');
    assert.equal(probe?.v, '+08:00', 'the sync writes with session time_zone = the task zone');
    // The validator compares the binlog's TIMESTAMPs (rendered in +08:00) with the downstream
    // rows it reads in a +08:00 session: no finding for the TIMESTAMP rows; the probe row,
    // changed by the downstream trigger, is found (so the validator did run).
    await waitUntil(
      async () => (await findings()).some((f) => f.startsWith('`tzdb`.`probe`')),
      60_000,
      'the validator reports the probe row',
    );
    await new Promise((r) => setTimeout(r, 3000));
    const evFindings = (await findings()).filter((f) => f.startsWith('`tzdb`.`ev`'));
    assert.deepEqual(
      evFindings.filter((f) => !f.endsWith(':102')),
      [],
      'no TIMESTAMP row differs for the validator',
    );
  });

  it('without timezone: the target server zone, as DM (FetchTimeZoneSetting)', async () => {
    const other = await startMariadb({ serverId: 43, noBinlog: true });
    try {
      await other.query("SET GLOBAL time_zone = '-05:00'");
      const task = writeTaskYaml(
        dir,
        'tzdef',
        'src-01',
        other,
        'tzdb',
        'mydumpers:\n  m:\n    extra-args: >-\n      --where "ts IS NULL OR ts >= \'2023-12-31 20:00:00\'" -T tzdb.ev\n',
        '    mydumper-config-name: "m"\n',
      );
      const r = await dmctl(dm.addr, 'start-task', task);
      assert.equal(r.json.result, true, r.stdout + r.stderr);
      await waitSynced(dm.addr, 'tzdef');
      // `--where` read in -05:00 (01:00 UTC): row 2 (23:00 UTC) is left out; in UTC it would be in.
      const dumped = (
        await other.query<{ id: number }>('SELECT id FROM tzdb.ev WHERE id < 100 ORDER BY id')
      ).map((x) => x.id);
      assert.deepEqual(dumped, [1, 3, 4]);
      await up.query('CREATE TABLE tzdb.probe2 (id INT PRIMARY KEY, v VARCHAR(64))');
      await waitUntil(
        async () => (await other.query("SHOW TABLES FROM tzdb LIKE 'probe2'")).length === 1,
        60_000,
        'probe2 table downstream',
      );
      await other.query(
        'CREATE TRIGGER tzdb.probe2_tz BEFORE INSERT ON tzdb.probe2 FOR EACH ROW SET NEW.v = @@session.time_zone',
      );
      await up.query(`${utc} INSERT INTO tzdb.ev VALUES (201, '2024-02-02 02:02:02.5', '2024-02-02 02:02:02');
        INSERT INTO tzdb.probe2 VALUES (1, 'upstream');`);
      await waitUntil(
        async () => (await other.query('SELECT id FROM tzdb.probe2 WHERE id = 1')).length === 1,
        60_000,
        'probe2 row downstream',
      );
      const [probe] = await other.query<{ v: string }>('SELECT v FROM tzdb.probe2 WHERE id = 1');
      assert.equal(probe?.v, '-05:00', 'the sync writes in the target server zone');
      await waitSynced(dm.addr, 'tzdef');
      assert.equal(await instants(other, [1, 3, 4, 201]), await instants(up, [1, 3, 4, 201]));
      const stop = await dmctl(dm.addr, 'stop-task', 'tzdef');
      assert.equal(stop.json.result, true, stop.stdout);
    } finally {
      await destroyAll(other);
    }
  });
});
