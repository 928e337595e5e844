import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EtcdInstance, MariadbInstance } from '../harness/index.js';
import { crcSum, startEtcd, startMariadb, tableSums } from '../harness/index.js';

describe('test harness', () => {
  let db: MariadbInstance;
  let etcd: EtcdInstance;
  before(async () => {
    db = await startMariadb({ serverId: 7 });
    etcd = await startEtcd();
  });
  after(async () => {
    await Promise.all([db?.destroy(), etcd?.destroy()]);
  });

  it('starts a mariadbd with ROW binlog and the given server id', async () => {
    const [v] = await db.query<{ f: string; i: string; b: string }>(
      'SELECT @@binlog_format AS f, @@server_id AS i, @@log_bin AS b',
    );
    assert.deepEqual(v, { f: 'ROW', i: '7', b: '1' });
  });

  it('checksums differ when data differs', async () => {
    await db.query(
      'CREATE DATABASE h; CREATE TABLE h.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO h.t VALUES (1,"a"),(2,NULL)',
    );
    const a = await crcSum(db, 'h', 't');
    const s1 = await tableSums(db, 'h');
    await db.query('UPDATE h.t SET v = "" WHERE id = 2');
    const b = await crcSum(db, 'h', 't');
    assert.equal(a.count, 2);
    assert.notEqual(a.crc, b.crc, 'NULL and empty string must differ');
    assert.notDeepEqual(s1, await tableSums(db, 'h'));
  });

  it('starts etcd', async () => {
    const c = etcd.client();
    await c.put('k').value('v');
    assert.equal(await c.get('k').string(), 'v');
  });
});
