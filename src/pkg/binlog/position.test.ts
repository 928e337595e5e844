import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareBinlogFile,
  compareBinlogPos,
  compareGtidSets,
  compareLocation,
  splitFilePos,
} from './position.js';

describe('binlog position order', () => {
  it('compares file indexes as numbers (mysql-bin.999999 < mysql-bin.1000000)', () => {
    assert.ok(compareBinlogFile('mysql-bin.999999', 'mysql-bin.1000000') < 0);
    assert.ok(compareBinlogFile('mysql-bin.1000000', 'mysql-bin.999999') > 0);
    assert.ok(compareBinlogFile('mysql-bin.000009', 'mysql-bin.000010') < 0);
    assert.equal(compareBinlogFile('mysql-bin.000001', 'mysql-bin.000001'), 0);
    assert.ok(compareBinlogFile('', 'mysql-bin.000001') < 0, 'no file comes first');
  });

  it('compares positions of one file as numbers', () => {
    assert.ok(compareBinlogPos('b.000002', 4, 'b.000001', 900) > 0);
    assert.ok(compareBinlogPos('b.000002', 4, 'b.000002', 900) < 0);
    assert.ok(compareLocation({ file: 'b.999999', pos: 900 }, { file: 'b.1000000', pos: 4 }) < 0);
    assert.deepEqual(splitFilePos('mysql-bin.000003:1234'), { file: 'mysql-bin.000003', pos: 1234 });
  });

  it('compares GTID sets by containment when a flavor is given', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    assert.ok((compareGtidSets('mysql', `${u}:1-5`, `${u}:1-7`) ?? 0) < 0);
    assert.ok((compareGtidSets('mysql', `${u}:1-7`, `${u}:1-5`) ?? 0) > 0);
    assert.equal(compareGtidSets('mysql', `${u}:1-5`, `${u}:1-5`), 0);
    assert.equal(compareGtidSets('mysql', `${u}:1-5`, `${u}:7`), undefined);
    // After a failover file names restart: the GTID set decides, file/pos only as a fall back.
    const a = { file: 'mysql-bin.000009', pos: 900, gtid: `${u}:1-5` };
    const b = { file: 'mysql-bin.000001', pos: 4, gtid: `${u}:1-7` };
    assert.ok(compareLocation(a, b, 'mysql') < 0);
    assert.ok(compareLocation(a, b) > 0);
    assert.ok(compareGtidSets('mariadb', '0-1-5', '0-1-9')! < 0);
  });
});
