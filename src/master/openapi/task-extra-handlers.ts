/**
 * DM's task templates (`/api/v1/tasks/templates…`: Task JSON kept in etcd for the UI to
 * start from) and a task's view of one source (`/api/v1/tasks/{t}/sources/{s}/…`): the
 * schemas and tables the task migrates (upstream names filtered by the task's
 * block-allow-list), where each goes (routes), and the schema tracker's table structures.
 */

import { maybeDecrypt } from '../../pkg/config/index.js';
import type { SubTaskConfig } from '../../pkg/config/types.js';
import { connectDb } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import { BlockAllowList } from '../../pkg/filter/block-allow-list.js';
import { WildcardPattern } from '../../pkg/filter/pattern.js';
import { TableRouter } from '../../pkg/router/table-router.js';
import { parseTaskConfig } from '../config-adapter.js';
import type { LeaderCtx } from '../leader-context.js';
import { binlogSchemaOp } from '../operate-ops.js';
import { taskConfigToJson, taskJsonToYaml } from '../task-json.js';
import { securityFiles } from '../task-json-routes.js';
import { listTasks, storedTaskConfig } from '../task-ops.js';
import { type ApiHandlers, failWith } from './router.js';
import { upstreamSchemas, upstreamTables } from './source-handlers.js';

async function subtaskConfig(ctx: LeaderCtx, task: string, source: string): Promise<SubTaskConfig> {
  const raw = await ctx.client.get(Keys.subtaskConfig(source, task)).string();
  if (raw === null) throw dmError(E.taskNotFound, `task ${task} has no subtask on source ${source}`);
  return JSON.parse(raw) as SubTaskConfig;
}

const balOf = (st: SubTaskConfig) =>
  new BlockAllowList(st.blockAllowList, { caseSensitive: st.caseSensitive });

/** The worker's answer to a binlog-schema operation on one table of a task's source. */
async function trackedSchema(
  ctx: LeaderCtx,
  p: Record<string, string>,
  op: 'list' | 'update' | 'delete',
  schema?: string,
): Promise<unknown> {
  const res = await binlogSchemaOp(ctx, {
    op,
    task: p['task-name'] ?? '',
    sources: [p['source-name'] ?? ''],
    database: p['schema-name'] ?? '',
    table: p['table-name'] ?? '',
    ...(schema ? { schema } : {}),
    flush: true,
  });
  const one = res.sources[0];
  if (!res.result || !one?.result) failWith(one?.msg || res.msg, one, res);
  return (one as { data?: unknown }).data ?? one.msg;
}

async function showCreateTable(
  db: SubTaskConfig['from'],
  schema: string,
  table: string,
  enc: string,
): Promise<string> {
  const conn = await connectDb({ ...db, password: maybeDecrypt(db.password, enc) }, E.dbDriver);
  try {
    const q = (s: string) => `\`${s.replaceAll('`', '``')}\``;
    const [rows] = await conn.query({ sql: `SHOW CREATE TABLE ${q(schema)}.${q(table)}`, rowsAsArray: true });
    return String((rows as unknown[][])[0]?.[1] ?? '');
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export function taskExtraHandlers(dataDir: string): ApiHandlers {
  /** A Task JSON checked by the one task-config parser; answered as that parser reads it. */
  const checked = (task: unknown): Record<string, unknown> => {
    try {
      const yaml = taskJsonToYaml(task, { saveSecurity: securityFiles(dataDir) });
      return taskConfigToJson(parseTaskConfig(yaml, 'template'), { showPassword: true });
    } catch (err) {
      return failWith(err);
    }
  };
  const getTemplate = async (ctx: LeaderCtx, name: string) => {
    const v = await ctx.client.get(Keys.taskTemplate(name)).string();
    if (v === null) throw dmError(E.taskNotFound, `task template ${name} not found`);
    return JSON.parse(v) as Record<string, unknown>;
  };
  return {
    DMAPICreateTaskTemplate: {
      leader: async (ctx, req, reply) => {
        const task = checked(req.body);
        const name = String(task.name);
        if ((await ctx.client.get(Keys.taskTemplate(name)).string()) !== null) {
          throw dmError(E.taskExists, `task template ${name} already exists`);
        }
        await ctx.client.put(Keys.taskTemplate(name)).value(JSON.stringify(task));
        reply.code(201);
        return task;
      },
    },
    DMAPIGetTaskTemplateList: {
      leader: async (ctx) => {
        const all = await ctx.client.getAll().prefix(Keys.taskTemplatePrefix).strings();
        const data = Object.keys(all)
          .sort()
          .map((k) => JSON.parse(all[k] as string) as Record<string, unknown>);
        return { total: data.length, data };
      },
    },
    // Every existing task becomes a template (kept unless overwrite).
    DMAPIImportTaskTemplate: {
      leader: async (ctx, req, reply) => {
        const { overwrite } = req.body as { overwrite: boolean };
        const success_task_list: string[] = [];
        const failed_task_list: { task_name: string; error_msg: string }[] = [];
        for (const [name] of await listTasks(ctx)) {
          try {
            const cfg = await storedTaskConfig(ctx, name);
            if (!cfg) continue;
            const exists = (await ctx.client.get(Keys.taskTemplate(name)).string()) !== null;
            if (exists && !overwrite) throw dmError(E.taskExists, `task template ${name} already exists`);
            await ctx.client
              .put(Keys.taskTemplate(name))
              .value(JSON.stringify(taskConfigToJson(cfg, { showPassword: true })));
            success_task_list.push(name);
          } catch (err) {
            failed_task_list.push({ task_name: name, error_msg: String(err) });
          }
        }
        reply.code(202);
        return { success_task_list, failed_task_list };
      },
    },
    DMAPIGetTaskTemplate: { leader: async (ctx, req) => getTemplate(ctx, req.params['task-name'] ?? '') },
    DMAPUpdateTaskTemplate: {
      leader: async (ctx, req) => {
        const name = req.params['task-name'] ?? '';
        await getTemplate(ctx, name);
        const task = checked(req.body);
        if (task.name !== name)
          throw dmError(E.configInvalidValue, `task name ${String(task.name)} is not ${name}`);
        await ctx.client.put(Keys.taskTemplate(name)).value(JSON.stringify(task));
        return task;
      },
    },
    DMAPIDeleteTaskTemplate: {
      leader: async (ctx, req, reply) => {
        const name = req.params['task-name'] ?? '';
        await getTemplate(ctx, name);
        await ctx.client.delete().key(Keys.taskTemplate(name));
        reply.code(204);
        return reply.send();
      },
    },

    DMAPIGetTaskMigrateTargets: {
      leader: async (ctx, req) => {
        const source = req.params['source-name'] ?? '';
        const st = await subtaskConfig(ctx, req.params['task-name'] ?? '', source);
        const bal = balOf(st);
        const router = new TableRouter(st.routes, { caseSensitive: st.caseSensitive });
        const sp = req.query.schema_pattern
          ? new WildcardPattern(String(req.query.schema_pattern), st.caseSensitive)
          : undefined;
        const tp = req.query.table_pattern
          ? new WildcardPattern(String(req.query.table_pattern), st.caseSensitive)
          : undefined;
        const data: Record<string, string>[] = [];
        for (const schema of await upstreamSchemas(ctx, source)) {
          if (!bal.allowSchema(schema) || (sp && !sp.test(schema))) continue;
          for (const table of await upstreamTables(ctx, source, schema)) {
            if (!bal.allowTable(schema, table) || (tp && !tp.test(table))) continue;
            const to = router.route(schema, table);
            data.push({
              source_schema: schema,
              source_table: table,
              target_schema: to.schema,
              target_table: to.table,
            });
          }
        }
        return { total: data.length, data };
      },
    },
    DMAPIGetSchemaListByTaskAndSource: {
      leader: async (ctx, req) => {
        const source = req.params['source-name'] ?? '';
        const bal = balOf(await subtaskConfig(ctx, req.params['task-name'] ?? '', source));
        return (await upstreamSchemas(ctx, source)).filter((s) => bal.allowSchema(s));
      },
    },
    DMAPIGetTableListByTaskAndSource: {
      leader: async (ctx, req) => {
        const source = req.params['source-name'] ?? '';
        const schema = req.params['schema-name'] ?? '';
        const bal = balOf(await subtaskConfig(ctx, req.params['task-name'] ?? '', source));
        return (await upstreamTables(ctx, source, schema)).filter((t) => bal.allowTable(schema, t));
      },
    },
    // The spec requires `table_create_sql` but names the property `schema_create_sql`; both are sent.
    DMAPIGetTableStructure: {
      leader: async (ctx, req) => {
        const sql = String(await trackedSchema(ctx, req.params, 'list'));
        return {
          schema_name: req.params['schema-name'],
          table_name: req.params['table-name'],
          schema_create_sql: sql,
          table_create_sql: sql,
        };
      },
    },
    DMAPIOperateTableStructure: {
      leader: async (ctx, req) => {
        const b = req.body as { schema_source?: 'sql' | 'upstream' | 'downstream'; sql_content?: string };
        const mode = b.schema_source ?? 'sql';
        let sql = b.sql_content ?? '';
        if (mode !== 'sql') {
          const st = await subtaskConfig(ctx, req.params['task-name'] ?? '', req.params['source-name'] ?? '');
          const schema = req.params['schema-name'] ?? '';
          const table = req.params['table-name'] ?? '';
          const to = new TableRouter(st.routes, { caseSensitive: st.caseSensitive }).route(schema, table);
          sql =
            mode === 'upstream'
              ? await showCreateTable(st.from, schema, table, ctx.encryptKey)
              : await showCreateTable(st.to, to.schema, to.table, ctx.encryptKey);
        }
        if (!sql) throw dmError(E.configMissingKey, 'sql_content is required when schema_source is sql');
        await trackedSchema(ctx, req.params, 'update', sql);
        return {};
      },
    },
    DMAPIDeleteTableStructure: {
      leader: async (ctx, req, reply) => {
        await trackedSchema(ctx, req.params, 'delete');
        reply.code(204);
        return reply.send();
      },
    },
  };
}
