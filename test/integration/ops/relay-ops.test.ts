import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { startCluster, startMariadb, tempDir, waitUntil } from '../../harness/index.js';
import { writeSourceYaml } from '../e2e/fixtures.js';

type Relay = { stage?: string; relayBinlog?: string } | null | undefined;

/** start/stop/pause/resume-relay set the relay stage in etcd; the bound worker obeys; purge-relay reaches it. */
describe('ops: relay commands', () => {
  let up: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-ops-relay-');
  const ctl = (...args: string[]) => dm.ctl(...args);

  async function relayStatus(): Promise<Relay> {
    const r = await ctl('query-status', '--more');
    const sources = r.json.sources as { sourceStatus?: { relayStatus?: Relay } }[] | undefined;
    return sources?.[0]?.sourceStatus?.relayStatus;
  }

  async function waitRelay(check: (r: Relay) => boolean, what: string): Promise<void> {
    let last: Relay;
    await waitUntil(
      async () => {
        last = await relayStatus();
        return check(last);
      },
      30_000,
      `${what} (last ${JSON.stringify(last)})`,
    );
  }

  before(async () => {
    up = await startMariadb({ serverId: 31 });
    dm = await startCluster({ master: 'm-relay', workers: ['w-relay'] });
    const src = await ctl('operate-source', 'create', writeSourceYaml(dir, 'src-r', up));
    assert.equal(src.json.result, true, src.stdout);
  });

  after(async () => {
    await dm?.stop();
    await up?.destroy();
  });

  it('start, pause, resume, purge and stop the relay', async () => {
    // enable-relay is false in the source file: no relay until start-relay.
    assert.equal(await relayStatus(), null);
    const bad = await ctl('start-relay', '-s', 'src-r', 'other-worker');
    assert.equal(bad.json.result, false, bad.stdout);
    const start = await ctl('start-relay', '-s', 'src-r', 'w-relay');
    assert.equal(start.json.result, true, start.stdout);
    await waitRelay((r) => r?.stage === 'Running' && !!r.relayBinlog, 'relay running');

    assert.equal((await ctl('pause-relay', '-s', 'src-r')).json.result, true);
    await waitRelay((r) => r?.stage === 'Paused', 'relay paused');
    assert.equal((await ctl('resume-relay', '-s', 'src-r')).json.result, true);
    await waitRelay((r) => r?.stage === 'Running', 'relay resumed');

    await up.query('FLUSH BINARY LOGS');
    await up.query('CREATE DATABASE relay_probe');
    await waitRelay((r) => /\.000002/.test(r?.relayBinlog ?? ''), 'relay in the second file');
    const file = /\(([^,]+)/.exec((await relayStatus())?.relayBinlog ?? '')?.[1] ?? '';
    const purge = await ctl('purge-relay', '-s', 'src-r', '--filename', file);
    assert.equal(purge.json.result, true, purge.stdout);
    // The first relay file is gone (the worker answers with what it removed).
    assert.match(JSON.stringify(purge.json.sources), /\.000001/, purge.stdout);
    const missing = await ctl('purge-relay', '-s', 'src-r', '--filename', 'nosuch.000001');
    assert.equal(missing.json.result, false, missing.stdout);

    assert.equal((await ctl('stop-relay', '-s', 'src-r')).json.result, true);
    await waitRelay((r) => r === null, 'relay stopped');
  });
});
