/**
 * DM's cluster operations (`/api/v1/cluster/…`): cluster id and topology, masters and
 * workers (list, offline) — and the spec's two doc operations, served by any master.
 */
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import { listMasters, offlineMember } from '../member-ops.js';
import { docsHtml } from './docs-page.js';
import { type ApiHandlers, failWith } from './router.js';
import { DM_SPEC } from './spec.js';

/** The etcd cluster id, DM's `cluster_id` (a uint64; JSON numbers above 2^53 lose digits in JS clients). */
async function clusterId(client: {
  cluster: { memberList(r: object): Promise<{ header: { cluster_id: string } }> };
}) {
  const res = await client.cluster.memberList({});
  return Number(res.header.cluster_id);
}

export function clusterHandlers(self: { name: string }): ApiHandlers {
  return {
    GetDocHTML: {
      local: async (_req, reply) => {
        reply.header('content-type', 'text/html; charset=utf-8');
        return docsHtml();
      },
    },
    GetDocJSON: { local: async () => DM_SPEC },

    DMAPIGetClusterInfo: {
      leader: async (ctx) => {
        const topo = await ctx.client.get(Keys.clusterTopology).string();
        return { cluster_id: await clusterId(ctx.client), ...(topo ? { topology: JSON.parse(topo) } : {}) };
      },
    },
    DMAPIUpdateClusterInfo: {
      leader: async (ctx, req) => {
        const topology = (req.body ?? {}) as Record<string, unknown>;
        await ctx.client.put(Keys.clusterTopology).value(JSON.stringify(topology));
        return { cluster_id: await clusterId(ctx.client), topology };
      },
    },

    DMAPIGetClusterMasterList: {
      leader: async (ctx) => {
        const data = (await listMasters(ctx.client)).map((x) => ({
          name: x.name,
          alive: x.alive,
          leader: x.name === self.name,
          addr: (x.clientURLs[0] ?? '').replace(/^https?:\/\//, ''),
        }));
        return { total: data.length, data };
      },
    },
    DMAPIOfflineMasterNode: {
      leader: async (ctx, req, reply) => {
        const res = await offlineMember(ctx, self.name, {
          type: 'master',
          name: req.params['master-name'] ?? '',
        });
        if (!res.result) failWith(res.msg, res);
        reply.code(204);
        return reply.send();
      },
    },

    DMAPIGetClusterWorkerList: {
      leader: async (ctx) => {
        const data = ctx.scheduler
          .view()
          .listWorkers()
          .map((w) => ({ name: w.name, addr: w.addr, bound_stage: w.stage, bound_source_name: w.source }));
        return { total: data.length, data };
      },
    },
    DMAPIOfflineWorkerNode: {
      leader: async (ctx, req, reply) => {
        const name = req.params['worker-name'] ?? '';
        if (!ctx.scheduler.view().getWorker(name))
          throw dmError(E.workerNotFound, `dm-worker with name ${name} not exists`);
        const res = await offlineMember(ctx, self.name, { type: 'worker', name });
        if (!res.result) failWith(res.msg, res);
        reply.code(204);
        return reply.send();
      },
    },
  };
}
