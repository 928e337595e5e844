import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RelayFileInfo, selectPurge } from './purge.js';
import { chooseSubDir, formatMeta, parseMeta, readIndexText } from './relay-layout.js';

const H = 3_600_000;
const now = 100 * H;
function f(subDir: string, file: string, ageH: number): RelayFileInfo {
  return { subDir, file, mtimeMs: now - ageH * H, size: 100 };
}
const files = [
  f('u1.000001', 'bin.000001', 50),
  f('u1.000001', 'bin.000002', 40),
  f('u2.000002', 'bin.000001', 30),
  f('u2.000002', 'bin.000002', 20),
  f('u2.000002', 'bin.000003', 10),
  f('u2.000002', 'bin.000004', 1),
];
const names = (r: RelayFileInfo[]) => r.map((x) => `${x.subDir}/${x.file}`);

describe('selectPurge', () => {
  it('by file name removes everything before it, earlier sub-dirs included', () => {
    assert.deepEqual(names(selectPurge(files, { filename: 'bin.000003' }, [])), [
      'u1.000001/bin.000001',
      'u1.000001/bin.000002',
      'u2.000002/bin.000001',
      'u2.000002/bin.000002',
    ]);
  });

  it('by file name resolves the name in the given sub-dir', () => {
    assert.deepEqual(names(selectPurge(files, { filename: 'bin.000002', subDir: 'u1.000001' }, [])), [
      'u1.000001/bin.000001',
    ]);
  });

  it('never removes the file an active reader is at, nor what follows it', () => {
    const active = [{ subDir: 'u2.000002', file: 'bin.000001' }];
    assert.deepEqual(names(selectPurge(files, { filename: 'bin.000004' }, active)), [
      'u1.000001/bin.000001',
      'u1.000001/bin.000002',
    ]);
  });

  it('never removes the newest file, even when asked for everything', () => {
    const r = names(selectPurge(files, { expiresHours: 0.001, nowMs: now }, []));
    assert.ok(!r.includes('u2.000002/bin.000004'));
    assert.equal(r.length, 5);
  });

  it('by age removes only files older than expires', () => {
    assert.deepEqual(names(selectPurge(files, { expiresHours: 25, nowMs: now }, [])), [
      'u1.000001/bin.000001',
      'u1.000001/bin.000002',
      'u2.000002/bin.000001',
    ]);
  });

  it('removes nothing without criteria or for an unknown name', () => {
    assert.deepEqual(selectPurge(files, {}, []), []);
    assert.deepEqual(selectPurge(files, { filename: 'bin.000099' }, []), []);
    assert.deepEqual(selectPurge(files, { expiresHours: 0, nowMs: now }, []), []);
  });
});

describe('relay layout', () => {
  it('keeps the sub-dir for the same server and adds one when it changes', () => {
    const idx = readIndexText('aaa.000001\nbbb.000002\n\n');
    assert.deepEqual(
      idx.map((s) => s.name),
      ['aaa.000001', 'bbb.000002'],
    );
    assert.deepEqual(chooseSubDir(idx, 'bbb'), { sub: idx[1], isNew: false });
    assert.equal(chooseSubDir(idx, 'aaa').sub.name, 'aaa.000003');
    assert.equal(chooseSubDir([], 'x').sub.name, 'x.000001');
  });

  it('round-trips relay.meta as DM writes it', () => {
    const m = { binlogName: 'mariadb-bin.000003', binlogPos: 1234, binlogGtid: '0-1-77' };
    const text = formatMeta(m);
    assert.match(text, /binlog-name = "mariadb-bin.000003"/);
    assert.match(text, /binlog-pos = 1234/);
    assert.deepEqual(parseMeta(text), m);
    assert.equal(parseMeta('not toml ['), undefined);
  });
});
