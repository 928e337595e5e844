import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isRetryableDbError } from '../pkg/db/connect.js';
import { isDmError } from '../pkg/errors/index.js';
import { ThreadIo } from './applier-io.js';

/** A loopback port with nothing listening (taken, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('ThreadIo (applier connections on the I/O thread)', () => {
  it('a refused connect comes back as the coded downstream-connect error, still retryable', async () => {
    const io = new ThreadIo();
    try {
      const port = await closedPort();
      const err = await io.connect({ host: '127.0.0.1', port, user: 'root', password: '' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isDmError(err), String(err));
      assert.equal((err as { code: number }).code, 10004);
      assert.match((err as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      // The driver's ECONNREFUSED crossed the thread: the applier's retry logic sees it.
      assert.equal(isRetryableDbError(err), true);
    } finally {
      await io.close();
    }
  });
});
