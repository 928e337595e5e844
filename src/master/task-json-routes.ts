/**
 * DM's OpenAPI task operations (`/api/v1/tasks…`, handlers by operationId, see
 * openapi/router.ts), following DM's semantics (dm/master/openapi_controller.go):
 *
 * - `POST /tasks` with `{"task": Task}` CREATES the task: checked and prechecked like
 *   start-task, stored with stage Stopped, answered 201 `{task, check_result}`.
 * - `PUT /tasks/{name}` is update-task (update-task.ts).
 * - `POST /tasks/{name}/start` runs a created or stopped task, or resumes a paused one;
 *   `POST /tasks/{name}/stop` sets Stopped and keeps the config (start runs it again from its
 *   checkpoint); pausing stays dmctl `pause-task`, as in DM.
 * - `DELETE /tasks/{name}[?force=true]` refuses a running task unless forced, drops its
 *   checkpoint tables downstream and removes it.
 * - `GET /tasks[/{name}]` answer DM's `Task` JSON (`?with_status=true` adds `status_list`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dmError, E } from '../pkg/errors/index.js';
import { parseTaskConfig } from './config-adapter.js';
import type { LeaderCtx } from './leader-context.js';
import { type ApiHandlers, errorBody, failWith } from './openapi/router.js';
import { subTaskStatusJson } from './openapi/status-json.js';
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
  stopStoredTask,
  storedTaskConfig,
} from './task-ops.js';
import { updateTask } from './update-task.js';

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

/** A query list (repeated `?a=x&a=y`, or comma-separated) as names. */
function queryList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return items.map((x) => x.trim()).filter((x) => x !== '');
}

/** DM's `SubTaskStatus` list of a task (a subtask no worker runs shows the expected stage). */
export async function statusList(ctx: LeaderCtx, name: string, only?: string[]) {
  let sources = await sourcesOfTask(ctx, name);
  if (only?.length) sources = sources.filter((s) => only.includes(s));
  const expected = await expectedStages(ctx, name);
  return (await sourceStatuses(ctx, sources, name)).map((st) =>
    subTaskStatusJson(name, st, expected.get(st.sourceStatus.source) ?? ''),
  );
}

/** DM `Task` JSON of a stored task (undefined when it does not exist). */
async function taskJson(ctx: LeaderCtx, name: string, withStatus: boolean) {
  const cfg = await storedTaskConfig(ctx, name);
  if (!cfg) return undefined;
  const task = taskConfigToJson(cfg);
  if (withStatus) task.status_list = await statusList(ctx, name);
  return task;
}

const taskMissing = (name: string) => dmError(E.taskNotFound, `task ${name} not found`);

export function taskHandlers(dataDir: string): ApiHandlers {
  const yamlOf = (task: unknown): string => taskJsonToYaml(task, { saveSecurity: securityFiles(dataDir) });
  return {
    DMAPIGetTaskList: {
      leader: async (ctx, req) => {
        const q = req.query as { with_status?: boolean; stage?: string; source_name_list?: unknown };
        const sourceFilter = queryList(q.source_name_list);
        const data: Record<string, unknown>[] = [];
        for (const [name, sources] of await listTasks(ctx)) {
          // DM keeps a task when its sources are exactly the listed ones.
          if (sourceFilter?.length) {
            const same =
              sources.length === sourceFilter.length && sources.every((s) => sourceFilter.includes(s));
            if (!same) continue;
          }
          const task = await taskJson(ctx, name, q.with_status === true || q.stage !== undefined);
          if (!task) continue;
          const list = task.status_list as { stage: string }[] | undefined;
          if (q.stage !== undefined && list?.some((s) => s.stage !== q.stage)) continue;
          if (q.with_status !== true) delete task.status_list;
          data.push(task);
        }
        return { total: data.length, data };
      },
    },

    // Creates the task (stage Stopped), checked and prechecked like start-task.
    DMAPICreateTask: {
      leader: async (ctx, req, reply) => {
        const b = req.body as { task: unknown };
        const yaml = yamlOf(b.task);
        const res = await createTask(ctx, { file: 'api', content: yaml });
        if (!res.result) failWith([res.msg, res.checkResult].filter(Boolean).join('\n'), res);
        reply.code(201);
        return {
          task: taskConfigToJson(parseTaskConfig(yaml, 'api')),
          check_result: res.checkResult || 'pre-check is passed. ',
        };
      },
    },

    // update-task: a paused (or stopped) task takes the new rules on its next resume.
    DMAPIUpdateTask: {
      leader: async (ctx, req) => {
        const name = req.params['task-name'] ?? '';
        const b = req.body as { task?: { name?: string } } | undefined;
        if (!b?.task) throw dmError(E.configMissingKey, 'request body needs "task" (DM Task JSON)');
        if (b.task.name !== name)
          throw dmError(E.configInvalidValue, `task name ${String(b.task.name)} in the body is not ${name}`);
        const yaml = yamlOf(b.task);
        const res = await updateTask(ctx, { file: 'api', content: yaml });
        if (!res.result) failWith(res.msg, res);
        return {
          task: taskConfigToJson(parseTaskConfig(yaml, 'api')),
          check_result: res.checkResult || 'pre-check is passed. ',
        };
      },
    },

    // DM's converter: Task JSON ⇄ task.yaml text, both validated by the task-config parser.
    DMAPIConvertTask: {
      local: async (req, reply) => {
        const b = (req.body ?? {}) as { task?: unknown; task_config_file?: unknown };
        if (typeof b.task_config_file === 'string') {
          const cfg = parseTaskConfig(b.task_config_file, 'task_config_file');
          reply.code(201);
          return {
            task: taskConfigToJson(cfg, { showPassword: true }),
            task_config_file: b.task_config_file,
          };
        }
        if (b.task === undefined)
          throw dmError(E.configMissingKey, 'request body needs "task" or "task_config_file"');
        const yaml = yamlOf(b.task);
        const cfg = parseTaskConfig(yaml, 'task');
        reply.code(201);
        return { task: taskConfigToJson(cfg, { showPassword: true }), task_config_file: yaml };
      },
    },

    DMAPIGetTask: {
      leader: async (ctx, req, reply) => {
        const name = req.params['task-name'] ?? '';
        const task = await taskJson(ctx, name, req.query.with_status === true);
        if (task) return task;
        reply.code(404);
        return errorBody(taskMissing(name));
      },
    },

    DMAPIDeleteTask: {
      leader: async (ctx, req, reply) => {
        const name = req.params['task-name'] ?? '';
        const res = await deleteTask(ctx, { task: name, force: req.query.force === true });
        if (!res.result) failWith(res.msg, res);
        reply.code(204);
        return reply.send();
      },
    },

    DMAPIStartTask: {
      leader: async (ctx, req) => {
        const b = (req.body ?? {}) as {
          remove_meta?: boolean;
          source_name_list?: string[];
          start_time?: string;
          safe_mode_time_duration?: string;
        };
        const res = await startStoredTask(ctx, {
          task: req.params['task-name'] ?? '',
          removeMeta: b.remove_meta === true,
          ...(b.source_name_list ? { sources: b.source_name_list } : {}),
          ...(b.start_time ? { startTime: b.start_time } : {}),
          ...(b.safe_mode_time_duration ? { safeModeDuration: b.safe_mode_time_duration } : {}),
        });
        if (!res.result) failWith(res.msg, res);
        return {};
      },
    },

    // DM's timeout_duration (wait for the stop) is accepted; the stop is asynchronous here.
    DMAPIStopTask: {
      leader: async (ctx, req) => {
        const b = (req.body ?? {}) as { source_name_list?: string[] };
        const res = await stopStoredTask(ctx, {
          task: req.params['task-name'] ?? '',
          ...(b.source_name_list ? { sources: b.source_name_list } : {}),
        });
        if (!res.result) failWith(res.msg, res);
        return {};
      },
    },

    DMAPIGetTaskStatus: {
      leader: async (ctx, req) => {
        const name = req.params['task-name'] ?? '';
        if ((await sourcesOfTask(ctx, name)).length === 0) throw taskMissing(name);
        const data = await statusList(ctx, name, queryList(req.query.source_name_list));
        return { total: data.length, data };
      },
    },
  };
}
