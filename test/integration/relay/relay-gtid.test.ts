import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PositionedEvent } from '../../../src/pkg/binlog/types.js';
import { silentLogger } from '../../../src/pkg/log/logger.js';
import { readIndex, readMeta } from '../../../src/relay/relay-layout.js';
import { RelayReader } from '../../../src/relay/relay-reader.js';
import { Relay } from '../../../src/relay/relay-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb, tempDir } from '../../harness/index.js';
import { mariadbBinlog, masterPos, sourceFor, waitFor } from './helpers.js';

let db: MariadbInstance;

before(async () => {
  db = await startMariadb();
  await db.query('CREATE DATABASE rg; CREATE TABLE rg.t (id INT PRIMARY KEY, v VARCHAR(20))');
});
after(async () => {
  await db?.destroy();
});

describe('relay started from a MariaDB GTID', () => {
  it('lands on the transaction after the GTID; positions stay upstream positions; the file stays readable', async () => {
    let startGtid = '';
    for (let i = 0; i < 5; i++) {
      await db.query('INSERT INTO rg.t VALUES (?, ?)', [i, `v${i}`]);
      if (i === 2) startGtid = (await db.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g'))[0]!.g;
    }
    const relayDir = join(tempDir('dm-relay-gtid-'), 'relay');
    const relay = new Relay({
      source: sourceFor(db, relayDir, { enableGtid: true, relayBinlogGtid: startGtid }),
      deps: { logger: silentLogger, workDir: relayDir },
    });
    await relay.init();
    const ac = new AbortController();
    const done = relay.process(ac.signal);
    await db.query('INSERT INTO rg.t VALUES (5, "v5")');
    await waitFor('relay to catch up', async () => {
      const m = await masterPos(db);
      return relay.status().relayBinlog === `(${m.file}, ${m.pos})`;
    });

    const seen: PositionedEvent[] = [];
    const rac = new AbortController();
    const reader = new RelayReader({ relayDir, start: { file: '', pos: 4 }, pollMs: 20 });
    const m = await masterPos(db);
    for await (const ev of reader.events(rac.signal)) {
      seen.push(ev);
      if (ev.file === m.file && ev.nextPos === m.pos) rac.abort();
    }
    const [d, s, n] = startGtid.split('-').map(Number) as [number, number, number];
    const gtids = seen
      .filter((e) => e.event.type === 'mariadb_gtid')
      .map((e) => (e.event as { gtid: string }).gtid);
    assert.deepEqual(gtids, [`${d}-${s}-${n + 1}`, `${d}-${s}-${n + 2}`, `${d}-${s}-${n + 3}`]);
    const ids = seen.flatMap((e) => (e.event.type === 'write_rows' ? e.event.rows.map((r) => r[0]) : []));
    assert.deepEqual(ids, [3, 4, 5]);
    // The skipped transactions' bytes are dummy events: positions equal upstream's.
    const up = new Map<number, string>();
    const { readBinlogFile } = await import('../../../src/pkg/binlog/file-reader.js');
    for await (const ev of readBinlogFile(join(db.dataDir, m.file))) up.set(ev.pos, ev.event.type);
    for (const e of seen.filter((x) => x.event.type !== 'user_var')) {
      assert.equal(up.get(e.pos), e.event.type, `${e.event.type} at ${e.pos} is not where upstream has it`);
    }
    const sub = readIndex(relayDir)[0]!.name;
    const mb = await mariadbBinlog(join(relayDir, sub, m.file));
    assert.equal(mb.code, 0, mb.err);
    assert.match(mb.out, /INSERT INTO `rg`.`t`/);

    ac.abort();
    const r = await done;
    assert.deepEqual(r.errors, []);
    await relay.close();
    const meta = await readMeta(join(relayDir, sub));
    assert.equal(meta?.binlogName, m.file);
    assert.equal(meta?.binlogPos, m.pos);
    assert.equal(meta?.binlogGtid, (await db.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g'))[0]!.g);
  });
});
