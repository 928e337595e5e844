import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DumpFeed } from './dump-feed.js';

describe('DumpFeed', () => {
  it('hands chunks over in order and is drained only once finished and taken', async () => {
    const feed = new DumpFeed();
    const ac = new AbortController();
    const woke = feed.changed(ac.signal);
    feed.planned();
    await woke;
    assert.equal(feed.isPlanned, true);
    feed.chunk({ file: 'a.t.0.sql', size: 10 });
    feed.chunk({ file: 'a.t.1.sql', size: 0 });
    assert.equal(feed.reportedBytes, 10);
    assert.equal(feed.drained, false);
    feed.finished();
    assert.equal(feed.drained, false, 'two chunks not taken yet');
    assert.deepEqual(feed.next(), { file: 'a.t.0.sql', size: 10 });
    assert.deepEqual(feed.next(), { file: 'a.t.1.sql', size: 0 });
    assert.equal(feed.next(), undefined);
    assert.equal(feed.drained, true);
  });

  it('a wait ends when the signal aborts', async () => {
    const feed = new DumpFeed();
    const ac = new AbortController();
    const w = feed.changed(ac.signal);
    ac.abort();
    await w;
    await feed.changed(ac.signal);
  });
});
