/**
 * The master's Prometheus metrics (prom-client), computed at scrape time from live state:
 * DM's `dm_master_worker_state` (tiflow dm/master/metrics/metrics.go, queried by DM's alert
 * rules and dashboards), and ours: leadership, workers by stage, bound vs waiting sources.
 */
import { Gauge, Registry } from 'prom-client';
import type { Scheduler } from './scheduler.js';
import { WORKER_STAGES } from './scheduler-core.js';

export function createMasterMetrics(state: {
  isLeader(): boolean;
  scheduler(): Scheduler | undefined;
}): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'dm_master_is_leader',
    help: '1 when this dm-master is the elected leader',
    registers: [registry],
    collect() {
      this.set(state.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dm_master_workers',
    help: 'dm-workers by stage (leader only)',
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      const s = state.scheduler();
      this.reset();
      if (!s) return;
      const workers = s.view().listWorkers();
      for (const stage of WORKER_STAGES) this.set({ stage }, workers.filter((w) => w.stage === stage).length);
    },
  });
  new Gauge({
    name: 'dm_master_sources',
    help: 'sources by binding state: bound or waiting for a free worker (leader only)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = state.scheduler();
      this.reset();
      if (!s) return;
      const view = s.view();
      const sources = view.listSources();
      const bound = sources.filter((src) => view.workerOf(src) !== '').length;
      this.set({ state: 'bound' }, bound);
      this.set({ state: 'waiting' }, sources.length - bound);
    },
  });
  new Gauge({
    name: 'dm_master_worker_state',
    help: 'state of worker, -1 - unrecognized, 0 - offline, 1 - free, 2 - bound',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      const s = state.scheduler();
      this.reset();
      if (!s) return;
      // WORKER_STAGES is DM's order (offline, free, bound), so the index is DM's value.
      for (const w of s.view().listWorkers()) this.set({ worker: w.name }, WORKER_STAGES.indexOf(w.stage));
    },
  });
  return registry;
}
