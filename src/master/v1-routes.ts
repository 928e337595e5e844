/**
 * DM's OpenAPI paths under `/api/v1/` (a subset; the document at `/api/v1/dm.json` lists
 * exactly what exists). Errors use DM's `{error_msg, error_code}` with HTTP 400/404.
 * Task creation takes DM's task YAML as `{"task_config": "<yaml>"}` (see dm.json), since
 * DM's JSON task form is a second config language we do not duplicate.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SourceConfig } from '../pkg/config/types.js';
import { Keys } from '../pkg/etcd/keys.js';

import { onLeader } from './leader-gate.js';
import { listMasters } from './member-ops.js';
import { OPENAPI_DOC } from './openapi-doc.js';
import type { MasterServer } from './server.js';
import { getSourceConfig, operateSource, transferSource } from './source-ops.js';
import { sourceStatuses } from './status-ops.js';
import { listTasks, operateTask, sourcesOfTask, startTask } from './task-ops.js';

function apiError(reply: FastifyReply, msg: string, code = 400): { error_msg: string; error_code: string } {
  reply.code(code);
  const m = /code=(\d+)/.exec(msg);
  return { error_msg: msg, error_code: m?.[1] ?? '' };
}

function sourceJson(cfg: SourceConfig, tasks: string[]): Record<string, unknown> {
  return {
    source_name: cfg.sourceId,
    host: cfg.from.host,
    port: cfg.from.port,
    user: cfg.from.user,
    password: '******',
    enable_gtid: cfg.enableGtid,
    enable: cfg.enable ?? true,
    flavor: cfg.flavor,
    task_name_list: tasks,
    security: null,
    purge: { interval: cfg.purge.interval, expires: cfg.purge.expires, remain_space: cfg.purge.remainSpace },
    relay_config: {
      enable_relay: cfg.enableRelay,
      relay_binlog_name: cfg.relayBinlogName,
      relay_binlog_gtid: cfg.relayBinlogGtid,
      relay_dir: cfg.relayDir,
    },
  };
}

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
    onLeader(m, async (ctx) => {
      const tasks = await listTasks(ctx);
      const data: Record<string, unknown>[] = [];
      for (const id of ctx.scheduler.view().listSources()) {
        const cfg = await getSourceConfig(ctx, id);
        if (cfg)
          data.push(
            sourceJson(
              cfg,
              [...tasks].filter(([, s]) => s.includes(id)).map(([t]) => t),
            ),
          );
      }
      return { total: data.length, data };
    }),
  );

  // Create a source from DM's source YAML (`{"source_config": "<yaml>"}`) or DM's JSON fields.
  app.post(
    '/api/v1/sources',
    onLeader(m, async (ctx, req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      let content = typeof b.source_config === 'string' ? b.source_config : '';
      if (!content) {
        const s = (b.source ?? b) as Record<string, unknown>;
        content = JSON.stringify({
          'source-id': s.source_name,
          'enable-gtid': s.enable_gtid ?? false,
          from: { host: s.host, port: s.port, user: s.user, password: s.password ?? '' },
        });
      }
      const res = await operateSource(ctx, { op: 'create', configs: [{ file: 'api', content }] });
      if (!res.result) return apiError(reply, res.msg || res.sources.map((s) => s.msg).join('; '));
      const id = res.sources[0]?.source ?? '';
      const cfg = await getSourceConfig(ctx, id);
      reply.code(201);
      return cfg ? sourceJson(cfg, []) : {};
    }),
  );

  app.get(
    '/api/v1/sources/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const cfg = await getSourceConfig(ctx, name);
      if (!cfg) return apiError(reply, `source ${name} not found`, 404);
      const tasks = [...(await listTasks(ctx))].filter(([, s]) => s.includes(name)).map(([t]) => t);
      return sourceJson(cfg, tasks);
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
      const [st] = await sourceStatuses(ctx, [name]);
      const data = st
        ? [
            {
              source_name: name,
              worker_name: st.sourceStatus.worker,
              relay_status: st.sourceStatus.relayStatus,
              ...(st.result ? {} : { error_msg: st.msg }),
            },
          ]
        : [];
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

  app.get(
    '/api/v1/tasks',
    onLeader(m, async (ctx) => {
      const data: Record<string, unknown>[] = [];
      for (const [task, sources] of await listTasks(ctx)) {
        data.push({
          name: task,
          source_name_list: sources,
          task_config: await ctx.client.get(Keys.taskConfig(task)).string(),
        });
      }
      return { total: data.length, data };
    }),
  );

  app.post(
    '/api/v1/tasks',
    onLeader(m, async (ctx, req, reply) => {
      const b = (req.body ?? {}) as { task_config?: string; remove_meta?: boolean; start_time?: string };
      if (typeof b.task_config !== 'string')
        return apiError(reply, 'task_config (task YAML text) is required');
      const res = await startTask(ctx, {
        file: 'api',
        content: b.task_config,
        removeMeta: b.remove_meta === true,
        ...(b.start_time ? { startTime: b.start_time } : {}),
      });
      if (!res.result) return apiError(reply, [res.msg, res.checkResult].filter(Boolean).join('\n'));
      reply.code(201);
      return {
        name: /name:\s*["']?([^"'\s]+)/.exec(b.task_config)?.[1] ?? '',
        check_result: res.checkResult,
        sources: res.sources,
      };
    }),
  );

  app.get(
    '/api/v1/tasks/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const raw = await ctx.client.get(Keys.taskConfig(name)).string();
      if (raw === null) return apiError(reply, `task ${name} not found`, 404);
      return { name, source_name_list: await sourcesOfTask(ctx, name), task_config: raw };
    }),
  );

  const taskOp = (op: 'Stop' | 'Pause' | 'Resume', code: number) =>
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const b = (req.body ?? {}) as { source_name_list?: string[] };
      const res = await operateTask(ctx, { op, task: name, sources: b.source_name_list ?? [] });
      if (!res.result) return apiError(reply, res.msg, /code=38005/.test(res.msg) ? 404 : 400);
      reply.code(code);
      return code === 204 ? reply.send() : {};
    });
  app.delete('/api/v1/tasks/:name', taskOp('Stop', 204));
  app.post('/api/v1/tasks/:name/start', taskOp('Resume', 200));
  app.post('/api/v1/tasks/:name/stop', taskOp('Pause', 200));

  app.get(
    '/api/v1/tasks/:name/status',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const sources = await sourcesOfTask(ctx, name);
      if (sources.length === 0) return apiError(reply, `task ${name} not found`, 404);
      const data = (await sourceStatuses(ctx, sources, name)).flatMap((st) => {
        const sub = st.subTaskStatus[0];
        return [
          {
            name,
            source_name: st.sourceStatus.source,
            worker_name: st.sourceStatus.worker,
            stage: sub?.stage ?? '',
            unit: sub?.unit ?? '',
            unresolved_ddl_lock_id: sub?.unresolvedDDLLockID ?? '',
            error_msg: st.result ? (sub?.result?.errors?.map((e) => e.Message).join('; ') ?? '') : st.msg,
            dump_status: sub?.dump,
            load_status: sub?.load,
            sync_status: sub?.sync,
          },
        ];
      });
      return { total: data.length, data };
    }),
  );
}
