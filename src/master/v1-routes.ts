/**
 * DM's OpenAPI paths under `/api/v1/` (a subset; the document at `/api/v1/dm.json` lists
 * exactly what exists). Errors use DM's `{error_msg, error_code}` with HTTP 400/404.
 * Sources take DM's `Source` JSON (`{"source": {...}}`, source-json.ts) or our
 * `{"source_config": "<yaml>"}`; the task paths live in task-json-routes.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { LeaderCtx } from './leader-context.js';
import { onLeader } from './leader-gate.js';
import { listMasters } from './member-ops.js';
import { OPENAPI_DOC } from './openapi-doc.js';
import type { MasterServer } from './server.js';
import { sourceConfigToJson, sourceJsonToYaml } from './source-json.js';
import { getSourceConfig, operateSource, transferSource } from './source-ops.js';
import { sourceStatuses } from './status-ops.js';
import { apiError, registerTaskRoutes, securityFiles } from './task-json-routes.js';
import { listTasks, operateTask } from './task-ops.js';

/** DM's `SourceStatus` list of one source (the worker bound to it and its relay). */
async function sourceStatusList(ctx: LeaderCtx, name: string): Promise<Record<string, unknown>[]> {
  const [st] = await sourceStatuses(ctx, [name]);
  if (!st) return [];
  return [
    {
      source_name: name,
      worker_name: st.sourceStatus.worker,
      relay_status: st.sourceStatus.relayStatus,
      ...(st.result ? {} : { error_msg: st.msg }),
    },
  ];
}

const withStatus = (q: unknown): boolean => {
  const v = (q as { with_status?: unknown } | undefined)?.with_status;
  return v === 'true' || v === '1' || v === true;
};

export function registerV1Routes(app: FastifyInstance, m: MasterServer): void {
  app.get('/api/v1/dm.json', async () => OPENAPI_DOC);

  app.get(
    '/api/v1/cluster/masters',
    onLeader(m, async (ctx) => {
      const masters = await listMasters(ctx.client);
      const data = masters.map((x) => ({
        name: x.name,
        alive: x.alive,
        leader: x.name === m.opts.name,
        addr: (x.clientURLs[0] ?? '').replace(/^https?:\/\//, ''),
      }));
      return { total: data.length, data };
    }),
  );

  app.get(
    '/api/v1/cluster/workers',
    onLeader(m, async (ctx) => {
      const data = ctx.scheduler
        .view()
        .listWorkers()
        .map((w) => ({ name: w.name, addr: w.addr, bound_stage: w.stage, bound_source_name: w.source }));
      return { total: data.length, data };
    }),
  );

  app.get(
    '/api/v1/sources',
    onLeader(m, async (ctx, req) => {
      const tasks = await listTasks(ctx);
      const data: Record<string, unknown>[] = [];
      for (const id of ctx.scheduler.view().listSources()) {
        const cfg = await getSourceConfig(ctx, id);
        if (!cfg) continue;
        const src = sourceConfigToJson(
          cfg,
          [...tasks].filter(([, s]) => s.includes(id)).map(([t]) => t),
        );
        if (withStatus(req.query)) src.status_list = await sourceStatusList(ctx, id);
        data.push(src);
      }
      return { total: data.length, data };
    }),
  );

  // Create a source from DM's JSON (`{"source": {...}, "worker_name"?}`) or our source YAML
  // (`{"source_config": "<yaml>"}`); both end in the one source-config parser.
  app.post(
    '/api/v1/sources',
    onLeader(m, async (ctx, req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      let content: string;
      try {
        content =
          typeof b.source_config === 'string'
            ? b.source_config
            : sourceJsonToYaml(b.source ?? b, { saveSecurity: securityFiles(m.opts.dataDir) });
      } catch (err) {
        return apiError(reply, String(err));
      }
      const res = await operateSource(ctx, { op: 'create', configs: [{ file: 'api', content }] });
      if (!res.result) return apiError(reply, res.msg || res.sources.map((s) => s.msg).join('; '));
      const id = res.sources[0]?.source ?? '';
      // DM's CreateSourceRequest.worker_name: bind the new source to that worker.
      if (
        typeof b.worker_name === 'string' &&
        b.worker_name !== '' &&
        res.sources[0]?.worker !== b.worker_name
      ) {
        const t = await transferSource(ctx, { source: id, worker: b.worker_name });
        if (!t.result) return apiError(reply, t.msg);
      }
      const cfg = await getSourceConfig(ctx, id);
      reply.code(201);
      return cfg ? sourceConfigToJson(cfg, []) : {};
    }),
  );

  app.get(
    '/api/v1/sources/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const cfg = await getSourceConfig(ctx, name);
      if (!cfg) return apiError(reply, `source ${name} not found`, 404);
      const tasks = [...(await listTasks(ctx))].filter(([, s]) => s.includes(name)).map(([t]) => t);
      const src = sourceConfigToJson(cfg, tasks);
      if (withStatus(req.query)) src.status_list = await sourceStatusList(ctx, name);
      return src;
    }),
  );

  app.delete(
    '/api/v1/sources/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as { force?: string };
      if (q.force === 'true') {
        for (const [task, sources] of await listTasks(ctx)) {
          if (sources.includes(name)) await operateTask(ctx, { op: 'Stop', task, sources: [name] });
        }
      }
      const res = await operateSource(ctx, { op: 'stop', sources: [name] });
      if (!res.result) return apiError(reply, res.sources.map((s) => s.msg).join('; ') || res.msg);
      reply.code(204);
      return reply.send();
    }),
  );

  app.get(
    '/api/v1/sources/:name/status',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      if (!ctx.scheduler.view().hasSource(name)) return apiError(reply, `source ${name} not found`, 404);
      const data = await sourceStatusList(ctx, name);
      return { total: data.length, data };
    }),
  );

  app.post(
    '/api/v1/sources/:name/transfer',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const { worker_name } = (req.body ?? {}) as { worker_name?: string };
      const res = await transferSource(ctx, { source: name, worker: worker_name ?? '' });
      return res.result ? {} : apiError(reply, res.msg);
    }),
  );

  registerTaskRoutes(app, m);
}
