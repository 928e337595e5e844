import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { isConnRefused, probe } from './probe.js';

describe('probe', () => {
  it('finds ECONNREFUSED anywhere in the cause chain', () => {
    const refused = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    assert.equal(isConnRefused(new TypeError('fetch failed', { cause: refused })), true);
    assert.equal(isConnRefused(refused), true);
    assert.equal(isConnRefused(new Error('timeout')), false);
    assert.equal(isConnRefused(undefined), false);
  });

  it('up when anything answers, refused when nothing listens, unknown on timeout', async () => {
    const answering = createServer((_req, res) => res.writeHead(404).end());
    const silent = createServer(() => undefined);
    await Promise.all([answering, silent].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    const port = (s: typeof answering) => (s.address() as AddressInfo).port;
    try {
      assert.equal(await probe(`http://127.0.0.1:${port(answering)}/x`, 1_000), 'up');
      assert.equal(await probe(`http://127.0.0.1:${port(silent)}/x`, 200), 'unknown');
      const free = port(answering);
      answering.closeAllConnections();
      await new Promise<void>((r) => answering.close(() => r()));
      assert.equal(await probe(`http://127.0.0.1:${free}/x`, 1_000), 'refused');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
