import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LOG_EVENT_BINLOG_IN_USE_F } from '../pkg/binlog/event-type.js';
import { buildEvent } from '../pkg/binlog/test-events.js';
import { BINLOG_MAGIC, dummyEvent, EventType } from './event-frame.js';
import { RelayWriter } from './relay-writer.js';
import { syntheticFde } from './test-bytes.js';

const root = mkdtempSync(join(tmpdir(), 'dm-relay-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A relay dir whose only file holds magic + FDE (in use) + a dummy event (+ a real ROTATE). */
function relayWith(name: string, finished: boolean): { dir: string; path: string } {
  const dir = join(root, name);
  const sub = 'uuid-1.000001';
  mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'server-uuid.index'), `${sub}\n`);
  const fde = syntheticFde();
  fde[17] = (fde[17] ?? 0) | LOG_EVENT_BINLOG_IN_USE_F;
  let pos = 4 + fde.length + 100;
  const parts = [BINLOG_MAGIC, fde, dummyEvent(100, pos, 1, true)];
  if (finished) {
    const body = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('bin.000002')]);
    pos += 19 + body.length + 4;
    parts.push(buildEvent(EventType.ROTATE, body, { logPos: pos }));
  }
  const path = join(dir, sub, 'bin.000001');
  writeFileSync(path, Buffer.concat(parts));
  return { dir, path };
}

const inUse = (path: string): boolean =>
  ((readFileSync(path)[4 + 17] ?? 0) & LOG_EVENT_BINLOG_IN_USE_F) !== 0;

describe('RelayWriter recovery', () => {
  it('clears the in-use flag of a file its ROTATE finished (crash before the flag was cleared)', async () => {
    const { dir, path } = relayWith('finished', true);
    assert.ok(inUse(path));
    const w = await RelayWriter.open({ relayDir: dir, serverUuid: 'uuid-1' });
    await w.close();
    assert.ok(!inUse(path));
  });

  it('leaves the flag of a file still being written', async () => {
    const { dir, path } = relayWith('open', false);
    const w = await RelayWriter.open({ relayDir: dir, serverUuid: 'uuid-1' });
    assert.equal(w.resumeFrom()?.file, 'bin.000001');
    await w.close();
    assert.ok(inUse(path));
  });
});
