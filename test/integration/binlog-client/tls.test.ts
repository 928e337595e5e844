import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BinlogClient, type BinlogClientOptions } from '../../../src/pkg/binlog/binlog-client.js';
import { isDmError } from '../../../src/pkg/errors/dm-error.js';
import { E } from '../../../src/pkg/errors/index.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb, tempDir } from '../../harness/index.js';
import { selfSigned } from '../security/certs.js';
import { collect, writtenIds } from './helpers.js';

describe('BinlogClient over TLS', () => {
  let db: MariadbInstance;
  let ca: string;
  /** A client reading the binlog from its start as the user that requires SSL. */
  const asTlsOnly = (o: Partial<BinlogClientOptions>) =>
    new BinlogClient({
      host: db.host,
      port: db.port,
      user: 'tlsonly',
      password: 'pw',
      serverId: 1_006_000 + (process.pid % 1000),
      start: { file: 'mariadb-bin.000001', pos: 4 },
      nonBlocking: true,
      ...o,
    });

  before(async () => {
    const dir = tempDir('dm-tls-');
    const { cert, key } = selfSigned(
      dir,
      'server',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    ca = readFileSync(cert, 'utf8');
    db = await startMariadb({ args: [`--ssl-cert=${cert}`, `--ssl-key=${key}`] });
    await db.query(
      "CREATE USER 'tlsonly'@'%' IDENTIFIED BY 'pw' REQUIRE SSL; GRANT ALL ON *.* TO 'tlsonly'@'%'; CREATE DATABASE s; CREATE TABLE s.t (id INT PRIMARY KEY)",
    );
  });
  after(async () => {
    await db?.destroy();
  });

  it('streams as a user that requires SSL, verifying the server certificate', async () => {
    await db.query('INSERT INTO s.t VALUES (1), (2)');
    const client = asTlsOnly({ tls: { ca, rejectUnauthorized: true } });
    const events = await collect(client, () => false, { timeoutMs: 20_000 });
    assert.deepEqual(writtenIds(events, 't'), [1, 2]);
  });

  it('without tls the same user is refused', async () => {
    const client = asTlsOnly({});
    await assert.rejects(
      collect(client, () => false, { timeoutMs: 20_000 }),
      (e) => isDmError(e, E.authFailed),
    );
  });
});
