import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { BinlogClient } from '../../../src/pkg/binlog/binlog-client.js';
import type { DbConfig } from '../../../src/pkg/config/types.js';
import { binlogEndpoint, connectDb } from '../../../src/pkg/db/connect.js';
import { isDmError } from '../../../src/pkg/errors/dm-error.js';
import { E } from '../../../src/pkg/errors/index.js';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { startCluster, startMariadb, tempDir } from '../../harness/index.js';
import { collect } from '../binlog-client/helpers.js';
import { loadSample, startWriter, waitEqual, writeTaskYaml } from '../e2e/fixtures.js';
import { makePki, mariadbTlsArgs, overSocket, pem, type TestPki } from './certs.js';

/**
 * Upstream and downstream MariaDB serve TLS with certificates from a test CA and refuse every
 * plain TCP connection (`require_secure_transport=ON`). A full + incremental task through
 * dm-master, dm-worker and dmctl must therefore use TLS on every connection it opens — prechecks,
 * dump, load, the binlog stream, the sync appliers, the master's own — and end with equal data.
 * The source gives `security` as files, the task's target inline (`ssl-ca-bytes`), both forms DM reads.
 */
/** DM ≤ 7.x's built-in key: what a master without secret-key-path uses. */
const LEGACY_KEY = 'a529b7665997f043a30ac8fadcb51d6aa032c226ab5b7750530b12b8c1a16a48';

/** DM's format done by openssl (independent of our code): base64(IV | '@' | AES-256-CFB). */
function opensslDmEncrypt(plain: string): string {
  const iv = randomBytes(16);
  const ct = execFileSync('openssl', ['enc', '-aes-256-cfb', '-K', LEGACY_KEY, '-iv', iv.toString('hex')], {
    input: plain,
  });
  return Buffer.concat([iv, Buffer.from('@'), ct]).toString('base64');
}

function opensslDmDecrypt(b64: string): string {
  const raw = Buffer.from(b64, 'base64');
  assert.equal(raw[16], 0x40, 'DM format: IV then @');
  return execFileSync(
    'openssl',
    ['enc', '-d', '-aes-256-cfb', '-K', LEGACY_KEY, '-iv', raw.subarray(0, 16).toString('hex')],
    { input: raw.subarray(17) },
  ).toString('utf8');
}

describe('security: TLS on every upstream/downstream connection', () => {
  let pki: TestPki;
  let upRaw: MariadbInstance;
  let downRaw: MariadbInstance;
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-tls-e2e-');

  before(async () => {
    pki = makePki();
    const server = pki.leaf('mariadb-server');
    upRaw = await startMariadb({ serverId: 21, args: mariadbTlsArgs(pki, server) });
    downRaw = await startMariadb({ serverId: 22, noBinlog: true, args: mariadbTlsArgs(pki, server) });
    up = overSocket(upRaw);
    down = overSocket(downRaw);
    await loadSample(upRaw, 'sec', 3000);
    for (const db of [up, down]) await db.query('SET GLOBAL require_secure_transport = ON');
    dm = await startCluster({ master: 'm-tls', workers: ['w-tls'] });
  });

  after(async () => {
    await dm?.stop();
    await Promise.all([upRaw?.destroy(), downRaw?.destroy()]);
  });

  const plain = (db: MariadbInstance): DbConfig => ({
    host: '127.0.0.1',
    port: db.port,
    user: 'dm',
    password: 'dmpass',
  });

  it('the servers refuse plain TCP (so anything below that works used TLS)', async () => {
    await assert.rejects(
      mysql.createConnection({ host: '127.0.0.1', port: upRaw.port, user: 'dm', password: 'dmpass' }),
      /Access denied|secure transport/i,
    );
    await assert.rejects(connectDb(plain(downRaw), E.dbDownstreamConnect), (e) =>
      isDmError(e, E.dbDownstreamConnect),
    );
  });

  it('the binlog stream applies security: wrong cert-allowed-cn refused, right one streams', async () => {
    const cfg = (cn: string): DbConfig => ({
      ...plain(upRaw),
      security: { sslCa: pki.ca, certAllowedCn: [cn] },
    });
    const client = (db: DbConfig) =>
      new BinlogClient({
        ...binlogEndpoint(db),
        start: { file: 'mariadb-bin.000001', pos: 4 },
        nonBlocking: true,
        backoff: { maxAttempts: 1 },
      });
    await assert.rejects(
      collect(client(cfg('somebody-else')), () => false, { timeoutMs: 20_000 }),
      (e) => isDmError(e),
    );
    const events = await collect(client(cfg('mariadb-server')), (ev) => ev.event.type === 'query', {
      timeoutMs: 20_000,
    });
    assert.ok(events.length > 0);
    // mysql2 connections check cert-allowed-cn too.
    await assert.rejects(connectDb(cfg('somebody-else'), E.dbUpstreamConnect), (e) =>
      isDmError(e, E.dbTlsConfig),
    );
    const ok = await connectDb(cfg('mariadb-server'), E.dbUpstreamConnect);
    const [rows] = await ok.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
    await ok.end();
    assert.match(String((rows as { Value: string }[])[0]?.Value), /^TLS/);
  });

  it('full + incremental task through dmctl over TLS only; data equal by CHECKSUM TABLE', async () => {
    // Passwords as DM users write them: `dmctl encrypt` prints DM's format and key (checked by
    // openssl); the source's password is a DM ciphertext made by openssl alone.
    const enc = await dm.ctl('encrypt', 'dmpass');
    assert.equal(enc.code, 0, enc.stdout + enc.stderr);
    assert.equal(opensslDmDecrypt(enc.stdout.trim()), 'dmpass');
    const srcPassword = opensslDmEncrypt('dmpass');
    // In clear on purpose: the leak scan below checks the cluster never repeats it.
    const downPassword = 'dmpass';
    const src = join(dir, 'src-tls.yaml');
    writeFileSync(
      src,
      `source-id: "src-tls"\nenable-gtid: false\nfrom:\n  host: "127.0.0.1"\n  port: ${upRaw.port}\n  user: "dm"\n  password: "${srcPassword}"\n` +
        `  security:\n    ssl-ca: "${pki.ca}"\n    cert-allowed-cn: ["mariadb-server"]\n`,
    );
    const created = await dm.ctl('operate-source', 'create', src);
    assert.equal(created.json.result, true, created.stdout + created.stderr);

    const caInline = pem(pki.ca)
      .trimEnd()
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n');
    const task = writeTaskYaml(dir, 'tls', 'src-tls', downRaw, 'sec');
    const text = readFileSync(task, 'utf8').replace(
      `  port: ${downRaw.port}\n  user: "root"\n  password: ""\n`,
      `  port: ${downRaw.port}\n  user: "dm"\n  password: "${downPassword}"\n  security:\n    ssl-ca-bytes: |\n${caInline}\n`,
    );
    assert.notEqual(text, readFileSync(task, 'utf8'), 'target-database rewritten');
    writeFileSync(task, text);

    const check = await dm.ctl('check-task', task);
    assert.equal(check.json.result, true, check.stdout);

    const writer = startWriter(up, 'sec', 2_000_000);
    let ops = 0;
    try {
      const r = await dm.ctl('start-task', task);
      assert.equal(r.json.result, true, r.stdout);
      await dm.waitSynced('tls', 150_000);
    } finally {
      ops = await writer.stop();
    }
    assert.ok(ops > 5, `writer made ${ops} changes`);
    await up.query("INSERT INTO sec.orders (id, user_id, status, note) VALUES (9000001, 1, 'paid', 'after')");
    await waitEqual(up, down, 'sec', 90_000);
  });

  it('no secret in clear: logs, etcd data, answers, exports, metrics', async () => {
    const seen: [string, string][] = [];
    const add = (what: string, text: string): void => {
      seen.push([what, text]);
    };
    for (const args of [
      ['query-status'],
      ['query-status', 'tls'],
      ['query-status', 'tls', '--more'],
      ['config', 'task', 'tls'],
      ['config', 'source', 'src-tls'],
      ['get-config', 'task', 'tls'],
      ['operate-source', 'show'],
      ['list-member'],
    ]) {
      const r = await dm.ctl(...args);
      add(`dmctl ${args.join(' ')}`, r.stdout + r.stderr);
    }
    const exportDir = join(dir, 'export');
    const ex = await dm.ctl('config', 'export', '-d', exportDir);
    assert.equal(ex.json.result ?? ex.code === 0, true, ex.stdout + ex.stderr);
    for (const f of filesUnder(exportDir)) add(`export ${f}`, readFileSync(f, 'latin1'));
    for (const path of [
      '/api/v1/sources',
      '/api/v1/sources?with_status=true',
      '/api/v1/sources/src-tls',
      '/api/v1/tasks',
      '/api/v1/tasks?with_status=true',
      '/api/v1/tasks/tls',
      '/api/v1/tasks/tls/status',
      '/api/v1/cluster/workers',
      '/metrics',
    ]) {
      const r = await fetch(`http://${dm.addr}${path}`);
      add(`GET ${path}`, await r.text());
    }
    add('worker /metrics', await (await fetch(`http://${dm.worker.addr}/metrics`)).text());
    // Everything the cluster wrote on disk: logs (debug level), etcd data, dump/relay files.
    for (const p of [dm.master, dm.worker]) {
      for (const f of filesUnder(p.dir)) add(f, readFileSync(f, 'latin1'));
    }
    assert.ok(seen.length > 20, `scanned ${seen.length} sources`);
    const leaks = seen
      .filter(([, text]) => text.includes('dmpass'))
      .map(([what, text]) => {
        const i = text.indexOf('dmpass');
        return `${what}: …${text.slice(Math.max(0, i - 160), i + 40).replaceAll('dmpass', '<PW>')}…`;
      });
    assert.deepEqual(leaks, [], 'plaintext password found');
  });
});

function filesUnder(d: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
