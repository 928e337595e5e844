/**
 * DM's source operations (`/api/v1/sources…`): create, list, get, update, delete, status,
 * enable/disable, transfer, relay enable/disable/purge, and the upstream's schemas and
 * tables. Source JSON ⇄ source YAML goes through source-json.ts, so the one source-config
 * parser validates both dmctl's files and these bodies.
 */

import { maybeDecrypt } from '../../pkg/config/index.js';
import type { SourceConfig } from '../../pkg/config/types.js';
import { connectDb } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import { SYSTEM_SCHEMAS } from '../../pkg/filter/block-allow-list.js';
import { parseSourceConfig, sealPassword } from '../config-adapter.js';
import type { LeaderCtx } from '../leader-context.js';
import { purgeRelayOp, relayOp } from '../operate-ops.js';
import { sourceConfigToJson, sourceJsonToYaml } from '../source-json.js';
import { getSourceConfig, operateSource, transferSource } from '../source-ops.js';
import { sourceStatuses } from '../status-ops.js';
import { securityFiles } from '../task-json-routes.js';
import { expectedStages, listTasks, operateTask, startStoredTask, stopStoredTask } from '../task-ops.js';
import { type ApiHandlers, failWith } from './router.js';
import { sourceStatusJson } from './status-json.js';

/** DM's `SourceStatus` list of one source (the worker bound to it and its relay). */
export async function sourceStatusList(ctx: LeaderCtx, name: string) {
  const [st] = await sourceStatuses(ctx, [name]);
  return st ? [sourceStatusJson(name, st)] : [];
}

async function mustSource(ctx: LeaderCtx, name: string): Promise<SourceConfig> {
  const cfg = await getSourceConfig(ctx, name);
  if (!cfg) throw dmError(E.sourceNotFound, `source config with ID ${name} not exists`);
  return cfg;
}

async function tasksOf(ctx: LeaderCtx, source: string): Promise<string[]> {
  return [...(await listTasks(ctx))].filter(([, s]) => s.includes(source)).map(([t]) => t);
}

/** Store a changed source config in place (its bound worker reads it on the next binding). */
async function putSourceConfig(ctx: LeaderCtx, cfg: SourceConfig): Promise<void> {
  await ctx.scheduler.run(() => [
    { op: 'put', key: Keys.sourceConfig(cfg.sourceId), value: JSON.stringify(cfg) },
  ]);
}

/** Run (enable) or stop (disable) every task of a source on it, as DM's BatchOperateTaskOnWorker. */
async function operateTasksOfSource(ctx: LeaderCtx, source: string, run: boolean): Promise<void> {
  for (const task of await tasksOf(ctx, source)) {
    const res = run
      ? await startStoredTask(ctx, { task, sources: [source] })
      : await stopStoredTask(ctx, { task, sources: [source] });
    if (!res.result) failWith(res.msg, res);
  }
}

/** The upstream of a source, for listing its schemas and tables. */
async function withUpstream<T>(
  ctx: LeaderCtx,
  name: string,
  f: (q: (sql: string) => Promise<string[]>) => Promise<T>,
) {
  const cfg = await mustSource(ctx, name);
  const conn = await connectDb(
    { ...cfg.from, password: maybeDecrypt(cfg.from.password, ctx.encryptKey) },
    E.dbUpstreamConnect,
  );
  try {
    return await f(async (sql) => {
      const [rows] = await conn.query({ sql, rowsAsArray: true });
      return (rows as unknown[][]).map((r) => String(r[0]));
    });
  } finally {
    await conn.end().catch(() => undefined);
  }
}

const SYSTEM = new Set(SYSTEM_SCHEMAS.map((s) => s.toLowerCase()));

/** Upstream schemas a task may migrate (system schemas left out, as DM). */
export async function upstreamSchemas(ctx: LeaderCtx, source: string): Promise<string[]> {
  return withUpstream(ctx, source, async (q) =>
    (await q('SHOW DATABASES')).filter((s) => !SYSTEM.has(s.toLowerCase())),
  );
}

/** Base tables of an upstream schema. */
export async function upstreamTables(ctx: LeaderCtx, source: string, schema: string): Promise<string[]> {
  return withUpstream(ctx, source, (q) =>
    q(`SHOW FULL TABLES FROM \`${schema.replaceAll('`', '``')}\` WHERE Table_type = 'BASE TABLE'`),
  );
}

export function sourceHandlers(dataDir: string): ApiHandlers {
  const yamlOf = (source: unknown): string => {
    try {
      return sourceJsonToYaml(source, { saveSecurity: securityFiles(dataDir) });
    } catch (err) {
      return failWith(err);
    }
  };
  return {
    DMAPIGetSourceList: {
      leader: async (ctx, req) => {
        const tasks = await listTasks(ctx);
        const data: Record<string, unknown>[] = [];
        for (const id of ctx.scheduler.view().listSources()) {
          const cfg = await getSourceConfig(ctx, id);
          if (!cfg) continue;
          if (req.query.enable_relay !== undefined && cfg.enableRelay !== req.query.enable_relay) continue;
          const src = sourceConfigToJson(
            cfg,
            [...tasks].filter(([, s]) => s.includes(id)).map(([t]) => t),
          );
          if (req.query.with_status === true) src.status_list = await sourceStatusList(ctx, id);
          data.push(src);
        }
        return { total: data.length, data };
      },
    },

    // DM's CreateSourceRequest (`{source, worker_name?}`); ends in the one source-config parser.
    DMAPICreateSource: {
      leader: async (ctx, req, reply) => {
        const b = req.body as { source: unknown; worker_name?: string };
        const res = await operateSource(ctx, {
          op: 'create',
          configs: [{ file: 'api', content: yamlOf(b.source) }],
        });
        if (!res.result) failWith(res.msg || res.sources.map((s) => s.msg).join('; '), res);
        const id = res.sources[0]?.source ?? '';
        if (b.worker_name && res.sources[0]?.worker !== b.worker_name) {
          const t = await transferSource(ctx, { source: id, worker: b.worker_name });
          if (!t.result) failWith(t.msg, t);
        }
        reply.code(201);
        return sourceConfigToJson(await mustSource(ctx, id), []);
      },
    },

    DMAPIGetSource: {
      leader: async (ctx, req, reply) => {
        const name = req.params['source-name'] ?? '';
        const cfg = await getSourceConfig(ctx, name);
        if (!cfg) {
          // DM answers a bare 404 here.
          reply.code(404);
          return reply.send();
        }
        const src = sourceConfigToJson(cfg, await tasksOf(ctx, name));
        if (req.query.with_status === true) src.status_list = await sourceStatusList(ctx, name);
        return src;
      },
    },

    /**
     * DM's UpdateSource: the new config replaces the old (no password = keep the old one);
     * refused while a task of the source is running or paused, since subtasks carry the
     * source's connection. The source is re-bound so its worker reads the new config.
     */
    DMAPIUpdateSource: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const old = await mustSource(ctx, name);
        const b = req.body as { source: Record<string, unknown> };
        if (b.source.source_name !== name) {
          throw dmError(
            E.configInvalidValue,
            `update source ID is not allowed: ${String(b.source.source_name)} ≠ ${name}`,
          );
        }
        const cfg = parseSourceConfig(yamlOf(b.source), 'api', { encryptKey: ctx.encryptKey });
        const password =
          b.source.password == null ? old.from.password : sealPassword(cfg.from.password, ctx.encryptKey);
        const next: SourceConfig = {
          ...cfg,
          serverId: cfg.serverId || old.serverId,
          from: { ...cfg.from, password },
        };
        for (const task of await tasksOf(ctx, name)) {
          const stage = (await expectedStages(ctx, task)).get(name);
          if (stage !== 'Stopped') {
            throw dmError(
              E.updateTaskNotPaused,
              `source ${name} has task ${task} in stage ${stage}; stop the task before updating the source`,
            );
          }
          // The stopped subtask runs with the new connection when started again.
          const raw = await ctx.client.get(Keys.subtaskConfig(name, task)).string();
          if (raw === null) continue;
          const st = JSON.parse(raw) as Record<string, unknown>;
          const sub = {
            ...st,
            from: { ...next.from },
            flavor: next.flavor,
            enableGtid: next.enableGtid,
            enableRelay: next.enableRelay,
            serverId: next.serverId,
            relayDir: next.relayDir,
          };
          await ctx.scheduler.run(() => [
            { op: 'put', key: Keys.subtaskConfig(name, task), value: JSON.stringify(sub) },
          ]);
        }
        const worker = ctx.scheduler.view().workerOf(name);
        await ctx.scheduler.run((core) => core.removeSource(name));
        await ctx.scheduler.run((core) => [
          { op: 'put', key: Keys.sourceConfig(name), value: JSON.stringify(next) },
          ...core.addSource(name),
        ]);
        if (worker && ctx.scheduler.view().workerOf(name) !== worker)
          await transferSource(ctx, { source: name, worker });
        if (old.enable !== false && next.enable === false) await operateTasksOfSource(ctx, name, false);
        return sourceConfigToJson(next, await tasksOf(ctx, name));
      },
    },

    DMAPIDeleteSource: {
      leader: async (ctx, req, reply) => {
        const name = req.params['source-name'] ?? '';
        if (req.query.force === true) {
          for (const task of await tasksOf(ctx, name)) {
            const r = await operateTask(ctx, { op: 'Stop', task, sources: [name] });
            if (!r.result) failWith(r.msg, r);
          }
        }
        const res = await operateSource(ctx, { op: 'stop', sources: [name] });
        if (!res.result) failWith(res.sources.map((s) => s.msg).join('; ') || res.msg, res);
        reply.code(204);
        return reply.send();
      },
    },

    DMAPIGetSourceStatus: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        await mustSource(ctx, name);
        const data = await sourceStatusList(ctx, name);
        return { total: data.length, data };
      },
    },

    DMAPIEnableSource: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const cfg = await mustSource(ctx, name);
        if (!ctx.scheduler.view().workerOf(name))
          throw dmError(E.noFreeWorker, `source ${name} has no bound worker`);
        if (cfg.enable !== false) return {};
        await putSourceConfig(ctx, { ...cfg, enable: true });
        await operateTasksOfSource(ctx, name, true);
        return {};
      },
    },

    DMAPIDisableSource: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const cfg = await mustSource(ctx, name);
        if (cfg.enable === false) return {};
        await operateTasksOfSource(ctx, name, false);
        await putSourceConfig(ctx, { ...cfg, enable: false });
        return {};
      },
    },

    DMAPITransferSource: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const { worker_name } = req.body as { worker_name: string };
        await mustSource(ctx, name);
        const res = await transferSource(ctx, { source: name, worker: worker_name });
        if (!res.result) failWith(res.msg, res);
        return {};
      },
    },

    /** DM's enableRelay: relay start options update the source config, then relay runs on its worker. */
    DMAPIEnableRelay: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const cfg = await mustSource(ctx, name);
        const b = (req.body ?? {}) as {
          worker_name_list?: string[];
          relay_binlog_name?: string | null;
          relay_binlog_gtid?: string | null;
          relay_dir?: string | null;
        };
        const next: SourceConfig = {
          ...cfg,
          enableRelay: true,
          ...(b.relay_binlog_name ? { relayBinlogName: b.relay_binlog_name } : {}),
          ...(b.relay_binlog_gtid ? { relayBinlogGtid: b.relay_binlog_gtid } : {}),
          ...(b.relay_dir ? { relayDir: b.relay_dir } : {}),
        };
        if (JSON.stringify(next) !== JSON.stringify(cfg)) await putSourceConfig(ctx, next);
        const res = await relayOp(ctx, {
          command: 'start-relay',
          sources: [name],
          workers: b.worker_name_list ?? [],
        });
        if (!res.result) failWith(res.sources.map((s) => s.msg).join('; ') || res.msg, res);
        return {};
      },
    },

    DMAPIDisableRelay: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        const cfg = await mustSource(ctx, name);
        const b = (req.body ?? {}) as { worker_name_list?: string[] };
        const res = await relayOp(ctx, {
          command: 'stop-relay',
          sources: [name],
          workers: b.worker_name_list ?? [],
        });
        if (!res.result) failWith(res.sources.map((s) => s.msg).join('; ') || res.msg, res);
        if (cfg.enableRelay) await putSourceConfig(ctx, { ...cfg, enableRelay: false });
        return {};
      },
    },

    DMAPIPurgeRelay: {
      leader: async (ctx, req) => {
        const name = req.params['source-name'] ?? '';
        await mustSource(ctx, name);
        const b = req.body as { relay_binlog_name: string };
        const res = await purgeRelayOp(ctx, { sources: [name], filename: b.relay_binlog_name });
        if (!res.result) failWith(res.sources.map((s) => s.msg).join('; ') || res.msg, res);
        return {};
      },
    },

    DMAPIGetSourceSchemaList: {
      leader: async (ctx, req) => upstreamSchemas(ctx, req.params['source-name'] ?? ''),
    },

    DMAPIGetSourceTableList: {
      leader: async (ctx, req) =>
        upstreamTables(ctx, req.params['source-name'] ?? '', req.params['schema-name'] ?? ''),
    },
  };
}
