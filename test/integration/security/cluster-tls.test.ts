import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { MariadbInstance } from '../../harness/index.js';
import {
  destroyAll,
  freePort,
  ROOT,
  startMariadb,
  stopChild,
  tempDir,
  trackChild,
  waitUntil,
} from '../../harness/index.js';
import { loadSample, waitEqual, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';
import { makePki, type TestPki } from './certs.js';

const run = promisify(execFile);

/**
 * Cluster TLS as DM: one dm-master (its etcd member serving client and peer TLS) and one
 * dm-worker, both with `--ssl-ca/--ssl-cert/--ssl-key` and `cert-allowed-cn = dm`. dmctl with
 * the client certificate drives a source + task end to end (data equal by CHECKSUM TABLE);
 * plain HTTP to the master and to etcd is refused, a certificate with another CN is refused,
 * and dmctl without certificates fails with a message that says TLS is needed.
 */
describe('security: cluster TLS (master, worker, etcd, dmctl)', () => {
  let pki: TestPki;
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: { cert: string; key: string };
  let addr = '';
  let etcdPort = 0;
  const dir = tempDir('dm-cluster-tls-');
  const children: ReturnType<typeof spawn>[] = [];

  const spawnBin = (name: string, args: string[]): void => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    children.push(
      trackChild(spawn(join(ROOT, 'bin', name), args, { stdio: ['ignore', out, out], cwd: dir })),
    );
  };
  const ctl = async (tls: string[], ...args: string[]) => {
    try {
      const r = await run(join(ROOT, 'bin', 'dmctl'), ['--master-addr', addr, ...tls, ...args], {
        timeout: 60_000,
        maxBuffer: 1 << 24,
      });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
  const tlsFlags = (): string[] => ['--ssl-ca', pki.ca, '--ssl-cert', dm.cert, '--ssl-key', dm.key];
  const ok = async (...args: string[]) => {
    const r = await ctl(tlsFlags(), ...args);
    assert.equal(r.code, 0, r.out);
    assert.equal((JSON.parse(r.out) as { result?: boolean }).result, true, r.out);
    return r.out;
  };

  before(async () => {
    pki = makePki();
    dm = pki.leaf('dm');
    [up, down] = await Promise.all([
      startMariadb({ serverId: 31 }),
      startMariadb({ serverId: 32, noBinlog: true }),
    ]);
    await loadSample(up, 'ctls', 2000);
    const [clientPort, peerPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    etcdPort = await freePort();
    addr = `127.0.0.1:${clientPort}`;
    const tls = ['--ssl-ca', pki.ca, '--ssl-cert', dm.cert, '--ssl-key', dm.key];
    // Scheme-less URLs, as DM's TLS samples write them: they become https://.
    spawnBin('dm-master', [
      ...['--name', 'm-ctls', '--master-addr', addr, '--peer-urls', `127.0.0.1:${peerPort}`],
      ...['--etcd-client-urls', `127.0.0.1:${etcdPort}`, '--data-dir', join(dir, 'master')],
      ...[...tls, '--cert-allowed-cn', 'dm', '-L', 'debug'],
    ]);
    spawnBin('dm-worker', [
      ...['--name', 'w-ctls', '--worker-addr', `127.0.0.1:${workerPort}`, '--join', addr],
      ...['--work-dir', join(dir, 'worker'), ...tls, '--cert-allowed-cn', 'dm', '-L', 'debug'],
    ]);
    await waitUntil(
      async () => (await ctl(tlsFlags(), 'list-member', '--worker')).out.includes('"w-ctls"'),
      60_000,
      'master serving over TLS and the worker registered',
    );
  });

  after(async () => {
    for (const c of children.reverse()) await stopChild(c, 15_000);
    await destroyAll(up, down);
  });

  it('a source and a task end to end through dmctl --ssl-*; data equal by CHECKSUM TABLE', async () => {
    await ok('operate-source', 'create', writeSourceYaml(dir, 'ctls-src', up));
    await ok('start-task', writeTaskYaml(dir, 'ctls-task', 'ctls-src', down, 'ctls'));
    await waitEqual(up, down, 'ctls', 60_000);
    // Incremental: the worker's sync reached through the TLS etcd / master path too.
    await up.query("INSERT INTO ctls.audit (seq, msg) VALUES (424242, 'after the full copy')");
    await waitEqual(up, down, 'ctls', 60_000);
    // The master talks to the worker over HTTPS (query-status reaches the worker) and lists https URLs.
    assert.match(await ok('query-status', 'ctls-task'), /"stage": ?"Running"/);
    assert.match(await ok('list-member', '--master'), new RegExp(`https://${addr}`));
  });

  it('plain HTTP to the master API and to etcd is refused', async () => {
    await assert.rejects(fetch(`http://${addr}/api/ctl/list-member`, { method: 'POST', body: '{}' }));
    await assert.rejects(fetch(`http://127.0.0.1:${etcdPort}/health`));
  });

  it('HTTPS without a client certificate is refused by the master', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = httpsRequest(`https://${addr}/api/internal/info`, { ca: readFileSync(pki.ca) }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      }),
    );
  });

  it('a client certificate whose CN is not in cert-allowed-cn is refused', async () => {
    const intruder = pki.leaf('intruder');
    const r = await ctl(
      ['--ssl-ca', pki.ca, '--ssl-cert', intruder.cert, '--ssl-key', intruder.key],
      'list-member',
    );
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /intruder.*cert-allowed-cn|11114/);
  });

  it('a certificate from another CA is refused', async () => {
    const stranger = pki.stranger('dm');
    const r = await ctl(
      ['--ssl-ca', pki.ca, '--ssl-cert', stranger.cert, '--ssl-key', stranger.key],
      'list-member',
    );
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /can not connect to master/);
  });

  it('dmctl without certificates fails with a clear error', async () => {
    const r = await ctl([], 'list-member');
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /may require TLS: pass --ssl-ca, --ssl-cert and --ssl-key/);
  });
});
