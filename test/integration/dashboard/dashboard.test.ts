import assert from 'node:assert/strict';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../harness/index.js';
import { until } from '../cluster/cluster-process.js';
import { type LiveCluster, startLiveCluster } from '../metrics/live-cluster.js';
import { HeadlessChromium } from './cdp.js';

/**
 * The web dashboard in headless Chromium on a real cluster (dm-master, dm-worker, MariaDB,
 * task `live` replicating): members, source and task rows appear and follow the cluster
 * without a reload (a pause done from dmctl shows up), Pause and Resume clicked in the page
 * change the stage the master reports (query-status), rows written meanwhile arrive
 * (CHECKSUM TABLE equal), the console stays free of errors, and a screenshot is taken
 * (copied to $DASHBOARD_SCREENSHOT when set: that is how docs/dashboard.png is made).
 */
describe('dashboard: /dashboard/ in headless Chromium on a live cluster', () => {
  let c: LiveCluster;
  let page: HeadlessChromium;
  const row = (task: string) => `tr[data-task="${task}"]`;
  const attr = (sel: string, name: string) =>
    page.eval<string | null>(
      `document.querySelector(${JSON.stringify(sel)})?.getAttribute(${JSON.stringify(name)}) ?? null`,
    );
  const stageInPage = () => attr(row('live'), 'data-stage');
  const stageInQueryStatus = async () => {
    const r = await c.api<{ sources?: { subTaskStatus?: { stage: string }[] }[] }>(
      'POST',
      '/api/ctl/query-status',
      {
        task: c.task,
      },
    );
    return r.sources?.[0]?.subTaskStatus?.[0]?.stage;
  };

  before(async () => {
    c = await startLiveCluster(71);
    page = await HeadlessChromium.launch();
  });
  after(async () => {
    await page?.close();
    await c?.destroy();
  });

  it('serves the page and its module; /dashboard redirects', async () => {
    const html = await fetch(`${c.base}/dashboard/`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    const js = await fetch(`${c.base}/dashboard/app.js`);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(await js.text(), /\/api\/v1/);
    const redirect = await fetch(`${c.base}/dashboard`, { redirect: 'manual' });
    assert.equal(redirect.headers.get('location'), '/dashboard/');
  });

  it('shows members with the leader, the source bound to its worker, and the running task', async () => {
    await page.navigate(`${c.base}/dashboard/`);
    await until(async () => (await stageInPage()) === 'Running', 20_000, 'task row Running');
    assert.equal(await attr(row('live'), 'data-unit'), 'Sync');
    assert.equal(await attr('tr[data-source="mysql-01"] td[data-worker]', 'data-worker'), 'w1');
    assert.ok(await page.eval<boolean>(`!!document.querySelector('tr[data-member="w1"]')`));
    assert.match(await page.eval<string>(`document.getElementById('leader').textContent`), /^leader: /);
    assert.match(
      await page.eval<string>(`document.querySelector('${row('live')} .lag').textContent`),
      /^\d+ s$/,
    );
    // Remember this document: a reload would lose the mark.
    await page.eval('window.__mark = 42');
  });

  it('follows a pause done from dmctl without a reload', async () => {
    assert.equal(
      (await c.api<{ result: boolean }>('POST', '/api/ctl/pause-task', { task: c.task })).result,
      true,
    );
    await until(async () => (await stageInPage()) === 'Paused', 20_000, 'row shows Paused');
    assert.equal(await page.eval<number>('window.__mark'), 42, 'same document: updated live');
    await page.click(`${row('live')} button[data-action="start-task"]`);
    await until(async () => (await stageInPage()) === 'Running', 30_000, 'row Running after Resume');
    assert.equal(await stageInQueryStatus(), 'Running');
  });

  it('Pause and Resume clicked in the page change the stage the master reports; data keeps flowing', async () => {
    await page.click(`${row('live')} button[data-action="pause-task"]`);
    await until(async () => (await stageInPage()) === 'Stopped', 30_000, 'row Stopped after Pause');
    await until(async () => (await stageInQueryStatus()) !== 'Running', 20_000, 'query-status not Running');
    await c.up.query(`INSERT INTO shop.orders VALUES (10,'x'),(11,'y')`);
    await page.click(`${row('live')} button[data-action="start-task"]`);
    await until(async () => (await stageInPage()) === 'Running', 30_000, 'row Running after Resume');
    assert.equal(await stageInQueryStatus(), 'Running');
    await c.caughtUp();
    assert.equal(await page.eval<number>('window.__mark'), 42);
  });

  it('disables and enables the source from the page', async () => {
    await page.click('tr[data-source="mysql-01"] button[data-action="disable-source"]');
    await until(
      async () =>
        page.eval<boolean>(
          `!!document.querySelector('tr[data-source="mysql-01"] button[data-action="enable-source"]')`,
        ),
      20_000,
      'Enable offered',
    );
    const src = await c.api<{ enable: boolean }>('GET', '/api/v1/sources/mysql-01');
    assert.equal(src.enable, false);
    await page.click('tr[data-source="mysql-01"] button[data-action="enable-source"]');
    await until(
      async () => (await c.api<{ enable: boolean }>('GET', '/api/v1/sources/mysql-01')).enable,
      20_000,
      'source enabled',
    );
    await until(async () => (await stageInPage()) === 'Running', 30_000, 'task Running again');
  });

  it('takes a screenshot; the console has no errors', async () => {
    await until(
      async () =>
        page.eval<boolean>(
          `!!document.querySelector('tr[data-source="mysql-01"] button[data-action="disable-source"]')`,
        ),
      20_000,
      'source row refreshed',
    );
    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
    const file = join(tempDir('dm-dashboard-'), 'dashboard.png');
    await writeFile(file, png);
    assert.ok((await stat(file)).size > 10_000);
    if (process.env.DASHBOARD_SCREENSHOT) await copyFile(file, process.env.DASHBOARD_SCREENSHOT);
    assert.deepEqual(page.consoleErrors, []);
    assert.ok((await readFile(file)).length === png.length);
  });
});
