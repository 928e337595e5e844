/**
 * DM's OpenAPI task paths (`/api/v1/tasks…`), following DM's semantics
 * (dm/master/openapi_controller.go):
 *
 * - `POST /tasks` with `{"task": Task}` CREATES the task: checked and prechecked like
 *   start-task, stored with stage Stopped, answered 201 `{task, check_result}`. Our older
 *   `{"task_config": "<yaml>"}` form still starts the task at once (dmctl start-task).
 * - `POST /tasks/{name}/start` runs a created or stopped task, or resumes a paused one;
 *   `POST /tasks/{name}/stop` sets Stopped and keeps the config (start runs it again from its
 *   checkpoint); pausing stays dmctl `pause-task`, as in DM.
 * - `DELETE /tasks/{name}[?force=true]` refuses a running task unless forced, drops its
 *   checkpoint tables downstream and removes it.
 * - `GET /tasks[/{name}]` answer DM's `Task` JSON (`?with_status=true` adds `status_list`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { dmError, E } from '../pkg/errors/index.js';
import { parseTaskConfig } from './config-adapter.js';
import type { LeaderCtx } from './leader-context.js';
import { onLeader } from './leader-gate.js';
import type { MasterServer } from './server.js';
import { sourceStatuses } from './status-ops.js';
import { taskConfigToJson, taskJsonToYaml } from './task-json.js';
import type { SaveSecurity } from './task-json-reader.js';
import {
  createTask,
  deleteTask,
  expectedStages,
  listTasks,
  sourcesOfTask,
  startStoredTask,
  startTask,
  stopStoredTask,
  storedTaskConfig,
} from './task-ops.js';

/** DM's ErrorWithMessage: the message and its numeric DM code (0 when it has none). */
export function apiError(
  reply: FastifyReply,
  msg: string,
  code = 400,
): { error_msg: string; error_code: number } {
  reply.code(code);
  const m = /code=(\d+)/.exec(msg);
  return { error_msg: msg, error_code: m?.[1] ? Number(m[1]) : 0 };
}

/** 404 for "not found" codes (task 38005, source 38003), else 400. */
const statusFor = (msg: string): number => (/code=3800[35]/.test(msg) ? 404 : 400);

/**
 * Where TLS contents posted in DM's JSON forms go: PEM files under the master's data dir
 * (DM writes them to files too). The paths are read by processes on this machine.
 */
export function securityFiles(dataDir: string): SaveSecurity {
  return (owner, sec) => {
    const dir = join(dataDir, 'openapi-tls', owner.replace(/[^\w.-]/g, '_'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const put = (name: string, content: string): string => {
      const f = join(dir, name);
      if (content) writeFileSync(f, content, { mode: 0o600 });
      return f;
    };
    return {
      sslCa: put('ca.pem', sec.sslCaContent),
      sslCert: put('cert.pem', sec.sslCertContent),
      sslKey: put('key.pem', sec.sslKeyContent),
    };
  };
}

/** A query parameter that may repeat (`?a=x&a=y`) or be comma-separated, as a list. */
function queryList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return items.map((x) => x.trim()).filter((x) => x !== '');
}

const queryBool = (v: unknown): boolean => v === true || v === 'true' || v === '1';

/**
 * DM's `SubTaskStatus` list of a task. A subtask no worker runs (created or stopped) shows
 * the stage the master expects, so a created task reads Stopped as in DM.
 */
async function statusList(ctx: LeaderCtx, name: string, only?: string[]): Promise<Record<string, unknown>[]> {
  let sources = await sourcesOfTask(ctx, name);
  if (only?.length) sources = sources.filter((s) => only.includes(s));
  const expected = await expectedStages(ctx, name);
  return (await sourceStatuses(ctx, sources, name)).map((st) => {
    const sub = st.subTaskStatus[0];
    const errors = sub?.result?.errors ?? [];
    return {
      name,
      source_name: st.sourceStatus.source,
      worker_name: st.sourceStatus.worker,
      stage: sub?.stage ?? expected.get(st.sourceStatus.source) ?? '',
      unit: sub?.unit ?? '',
      unresolved_ddl_lock_id: sub?.unresolvedDDLLockID ?? '',
      ...(st.result ? {} : { error_msg: st.msg }),
      ...(st.result && errors.length
        ? {
            error_msg: errors
              .map(
                (e) =>
                  `[code=${e.ErrCode}:class=${e.ErrClass}:scope=${e.ErrScope}:level=${e.ErrLevel}], Message: ${e.Message}`,
              )
              .join('\n'),
          }
        : {}),
      dump_status: sub?.dump ?? null,
      load_status: sub?.load ?? null,
      sync_status: sub?.sync ?? null,
    };
  });
}

/** DM `Task` JSON of a stored task (undefined when it does not exist). */
async function taskJson(ctx: LeaderCtx, name: string, withStatus: boolean) {
  const cfg = await storedTaskConfig(ctx, name);
  if (!cfg) return undefined;
  const task = taskConfigToJson(cfg);
  if (withStatus) task.status_list = await statusList(ctx, name);
  return task;
}

export function registerTaskRoutes(app: FastifyInstance, m: MasterServer): void {
  app.get(
    '/api/v1/tasks',
    onLeader(m, async (ctx, req, reply) => {
      const q = req.query as { with_status?: string; stage?: string; source_name_list?: unknown };
      const withStatus = queryBool(q.with_status);
      const sourceFilter = queryList(q.source_name_list);
      const data: Record<string, unknown>[] = [];
      try {
        for (const [name, sources] of await listTasks(ctx)) {
          // DM keeps a task when its sources are exactly the listed ones.
          if (sourceFilter?.length) {
            const same =
              sources.length === sourceFilter.length && sources.every((s) => sourceFilter.includes(s));
            if (!same) continue;
          }
          const task = await taskJson(ctx, name, withStatus || q.stage !== undefined);
          if (!task) continue;
          const list = task.status_list as { stage: string }[] | undefined;
          if (q.stage !== undefined && list?.some((s) => s.stage !== q.stage)) continue;
          if (!withStatus) delete task.status_list;
          data.push(task);
        }
      } catch (err) {
        return apiError(reply, String(err));
      }
      return { total: data.length, data };
    }),
  );

  app.post(
    '/api/v1/tasks',
    onLeader(m, async (ctx, req, reply) => {
      const b = (req.body ?? {}) as {
        task?: unknown;
        task_config?: unknown;
        remove_meta?: boolean;
        start_time?: string;
      };
      if (typeof b.task_config === 'string') {
        // Our YAML form: start-task through HTTP (created and started at once).
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
      }
      if (b.task === undefined) {
        return apiError(
          reply,
          dmError(
            E.configMissingKey,
            'request body needs "task" (DM Task JSON) or "task_config" (task YAML)',
          ).toString(),
        );
      }
      let yaml: string;
      try {
        yaml = taskJsonToYaml(b.task, { saveSecurity: securityFiles(m.opts.dataDir) });
      } catch (err) {
        return apiError(reply, String(err));
      }
      const res = await createTask(ctx, { file: 'api', content: yaml });
      if (!res.result) return apiError(reply, [res.msg, res.checkResult].filter(Boolean).join('\n'));
      reply.code(201);
      return {
        task: taskConfigToJson(parseTaskConfig(yaml, 'api')),
        check_result: res.checkResult || 'pre-check is passed. ',
      };
    }),
  );

  // DM's converter: Task JSON ⇄ task.yaml text, both validated by the task-config parser.
  // Nothing is stored, so it runs on any master (no leader needed) and shows what was given.
  app.post('/api/v1/tasks/converters', async (req, reply) => {
    const b = (req.body ?? {}) as { task?: unknown; task_config_file?: unknown };
    try {
      if (typeof b.task_config_file === 'string') {
        const cfg = parseTaskConfig(b.task_config_file, 'task_config_file');
        reply.code(201);
        return { task: taskConfigToJson(cfg, { showPassword: true }), task_config_file: b.task_config_file };
      }
      if (b.task === undefined) {
        throw dmError(E.configMissingKey, 'request body needs "task" or "task_config_file"');
      }
      const yaml = taskJsonToYaml(b.task, { saveSecurity: securityFiles(m.opts.dataDir) });
      const cfg = parseTaskConfig(yaml, 'task');
      reply.code(201);
      return { task: taskConfigToJson(cfg, { showPassword: true }), task_config_file: yaml };
    } catch (err) {
      return apiError(reply, String(err));
    }
  });

  app.get(
    '/api/v1/tasks/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as { with_status?: string };
      try {
        const task = await taskJson(ctx, name, queryBool(q.with_status));
        return task ?? apiError(reply, dmError(E.taskNotFound, `task ${name} not found`).toString(), 404);
      } catch (err) {
        return apiError(reply, String(err));
      }
    }),
  );

  app.delete(
    '/api/v1/tasks/:name',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as { force?: string };
      const res = await deleteTask(ctx, { task: name, force: queryBool(q.force) });
      if (!res.result) return apiError(reply, res.msg, statusFor(res.msg));
      reply.code(204);
      return reply.send();
    }),
  );

  app.post(
    '/api/v1/tasks/:name/start',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const b = (req.body ?? {}) as {
        remove_meta?: boolean;
        source_name_list?: string[];
        start_time?: string;
        safe_mode_time_duration?: string;
      };
      const res = await startStoredTask(ctx, {
        task: name,
        removeMeta: b.remove_meta === true,
        ...(b.source_name_list ? { sources: b.source_name_list } : {}),
        ...(b.start_time ? { startTime: b.start_time } : {}),
        ...(b.safe_mode_time_duration ? { safeModeDuration: b.safe_mode_time_duration } : {}),
      });
      if (!res.result) return apiError(reply, res.msg, statusFor(res.msg));
      return {};
    }),
  );

  app.post(
    '/api/v1/tasks/:name/stop',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      // DM's timeout_duration (wait for the stop) is accepted; the stop is asynchronous here.
      const b = (req.body ?? {}) as { source_name_list?: string[]; timeout_duration?: string };
      const res = await stopStoredTask(ctx, {
        task: name,
        ...(b.source_name_list ? { sources: b.source_name_list } : {}),
      });
      if (!res.result) return apiError(reply, res.msg, statusFor(res.msg));
      return {};
    }),
  );

  app.get(
    '/api/v1/tasks/:name/status',
    onLeader(m, async (ctx, req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as { source_name_list?: unknown };
      if ((await sourcesOfTask(ctx, name)).length === 0)
        return apiError(reply, dmError(E.taskNotFound, `task ${name} not found`).toString(), 404);
      const data = await statusList(ctx, name, queryList(q.source_name_list));
      return { total: data.length, data };
    }),
  );
}
