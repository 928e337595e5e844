/**
 * The OpenAPI 3 document served at `/api/v1/dm.json`, hand-written to describe exactly the
 * paths v1-routes.ts serves (DM's path names and field names; see DM's dm/openapi/spec/dm.yaml).
 */
const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResp = { description: 'failed', ...json(ref('ErrorWithMessage')) };
const nameParam = (name: string, desc: string) => ({
  name,
  in: 'path',
  required: true,
  description: desc,
  schema: { type: 'string' },
});
const boolQuery = (name: string, desc: string) => ({
  name,
  in: 'query',
  required: false,
  description: desc,
  schema: { type: 'boolean' },
});
const sourceListQuery = (desc: string) => ({
  name: 'source_name_list',
  in: 'query',
  required: false,
  description: `${desc} (repeat the parameter or separate by commas)`,
  schema: ref('SourceNameList'),
});
const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const strList = { type: 'array', items: str };
const list = (item: string) => ({
  type: 'object',
  properties: { total: { type: 'integer' }, data: { type: 'array', items: ref(item) } },
});

export const OPENAPI_DOC = Object.freeze({
  openapi: '3.0.0',
  info: { title: 'DM OpenAPI (TypeScript re-creation)', version: '1.0.0' },
  servers: [{ url: '/api/v1' }],
  paths: {
    '/cluster/masters': {
      get: {
        summary: 'list masters',
        responses: { 200: { description: 'masters', ...json(list('ClusterMaster')) } },
      },
    },
    '/cluster/workers': {
      get: {
        summary: 'list workers',
        responses: { 200: { description: 'workers', ...json(list('ClusterWorker')) } },
      },
    },
    '/sources': {
      get: {
        summary: 'list sources',
        parameters: [boolQuery('with_status', 'add status_list to each source')],
        responses: { 200: { description: 'sources', ...json(list('Source')) } },
      },
      post: {
        summary:
          'create a source from DM Source JSON ({"source": …, "worker_name"?}) or DM source YAML ({"source_config": "<yaml>"})',
        requestBody: json(ref('CreateSourceRequest')),
        responses: { 201: { description: 'created', ...json(ref('Source')) }, 400: errorResp },
      },
    },
    '/sources/{source-name}': {
      get: {
        summary: 'get a source (password shown as ******)',
        parameters: [nameParam('source-name', 'source name'), boolQuery('with_status', 'add status_list')],
        responses: { 200: { description: 'source', ...json(ref('Source')) }, 404: errorResp },
      },
      delete: {
        summary: 'delete a source (force=true stops its tasks first)',
        parameters: [
          nameParam('source-name', 'source name'),
          { name: 'force', in: 'query', required: false, schema: { type: 'boolean' } },
        ],
        responses: { 204: { description: 'deleted' }, 400: errorResp },
      },
    },
    '/sources/{source-name}/status': {
      get: {
        summary: 'source status',
        parameters: [nameParam('source-name', 'source name')],
        responses: { 200: { description: 'status', ...json(list('SourceStatus')) }, 404: errorResp },
      },
    },
    '/sources/{source-name}/transfer': {
      post: {
        summary: 'bind the source to a free worker',
        parameters: [nameParam('source-name', 'source name')],
        requestBody: json({
          type: 'object',
          properties: { worker_name: { type: 'string' } },
          required: ['worker_name'],
        }),
        responses: { 200: { description: 'transferred' }, 400: errorResp },
      },
    },
    '/tasks': {
      get: {
        summary: 'list tasks (DM Task JSON)',
        parameters: [
          boolQuery('with_status', 'add status_list to each task'),
          {
            name: 'stage',
            in: 'query',
            required: false,
            description: 'only tasks whose subtasks are all in this stage (implies status)',
            schema: ref('TaskStage'),
          },
          sourceListQuery('only tasks on exactly these sources'),
        ],
        responses: { 200: { description: 'tasks', ...json(list('Task')) }, 400: errorResp },
      },
      post: {
        summary:
          'create a task from DM Task JSON ({"task": …}: checked, prechecked, stored Stopped; start it with /start), ' +
          'or create and start one from DM task YAML ({"task_config": "<yaml>"})',
        requestBody: json(ref('CreateTaskRequest')),
        responses: {
          201: {
            description:
              'created: OperateTaskResponse for {"task"}; {name, check_result, sources} for {"task_config"}',
            ...json(ref('OperateTaskResponse')),
          },
          400: errorResp,
        },
      },
    },
    '/tasks/converters': {
      post: {
        summary: 'convert DM Task JSON to task.yaml text or back (validated, nothing stored)',
        requestBody: json(ref('ConverterTaskRequest')),
        responses: {
          201: { description: 'converted', ...json(ref('ConverterTaskResponse')) },
          400: errorResp,
        },
      },
    },
    '/tasks/{task-name}': {
      get: {
        summary: 'get a task (DM Task JSON; passwords shown as ******)',
        parameters: [nameParam('task-name', 'task name'), boolQuery('with_status', 'add status_list')],
        responses: { 200: { description: 'task', ...json(ref('Task')) }, 404: errorResp },
      },
      delete: {
        summary:
          'delete a task: refused while a subtask runs unless force=true; drops its checkpoint tables downstream',
        parameters: [
          nameParam('task-name', 'task name'),
          boolQuery('force', 'delete even when subtasks are running'),
        ],
        responses: { 204: { description: 'deleted' }, 400: errorResp, 404: errorResp },
      },
    },
    '/tasks/{task-name}/start': {
      post: {
        summary: 'start a created or stopped task, or resume a paused one',
        parameters: [nameParam('task-name', 'task name')],
        requestBody: json(ref('StartTaskRequest')),
        responses: { 200: { description: 'started' }, 400: errorResp, 404: errorResp },
      },
    },
    '/tasks/{task-name}/stop': {
      post: {
        summary:
          'stop a task (stage Stopped), keeping its config so /start runs it again from its checkpoint',
        parameters: [nameParam('task-name', 'task name')],
        requestBody: json(ref('StopTaskRequest')),
        responses: { 200: { description: 'stopped' }, 400: errorResp, 404: errorResp },
      },
    },
    '/tasks/{task-name}/status': {
      get: {
        summary: 'task status per source',
        parameters: [nameParam('task-name', 'task name'), sourceListQuery('only these sources')],
        responses: { 200: { description: 'status', ...json(list('SubTaskStatus')) }, 404: errorResp },
      },
    },
  },
  components: {
    schemas: {
      ErrorWithMessage: {
        type: 'object',
        properties: {
          error_msg: str,
          error_code: { type: 'integer', description: 'DM error code (0 when none)' },
        },
        required: ['error_msg', 'error_code'],
      },
      ClusterMaster: {
        type: 'object',
        properties: { name: str, alive: bool, leader: bool, addr: str },
      },
      ClusterWorker: {
        type: 'object',
        properties: {
          name: str,
          addr: str,
          bound_stage: { type: 'string', enum: ['offline', 'free', 'bound'] },
          bound_source_name: str,
        },
      },
      Security: {
        type: 'object',
        nullable: true,
        description: 'PEM contents (stored as files under the master data dir); never shown by GET',
        properties: {
          ssl_ca_content: str,
          ssl_cert_content: str,
          ssl_key_content: str,
          cert_allowed_cn: strList,
        },
      },
      Purge: {
        type: 'object',
        properties: { interval: int, expires: int, remain_space: int },
      },
      RelayConfig: {
        type: 'object',
        properties: {
          enable_relay: bool,
          relay_binlog_name: str,
          relay_binlog_gtid: str,
          relay_dir: str,
        },
      },
      CreateSourceRequest: {
        type: 'object',
        properties: {
          source: ref('Source'),
          worker_name: { type: 'string', description: 'bind the new source to this worker' },
          source_config: { type: 'string', description: 'DM source.yaml text (instead of source)' },
        },
      },
      Source: {
        type: 'object',
        properties: {
          source_name: str,
          host: str,
          port: int,
          user: str,
          password: { type: 'string', description: 'shown as ****** by GET' },
          enable_gtid: { type: 'boolean', default: false },
          enable: { type: 'boolean', default: true },
          flavor: { type: 'string', enum: ['mysql', 'mariadb'] },
          task_name_list: strList,
          security: ref('Security'),
          purge: ref('Purge'),
          relay_config: ref('RelayConfig'),
          status_list: { type: 'array', items: ref('SourceStatus') },
        },
        required: ['source_name', 'host', 'port', 'user'],
      },
      SourceStatus: {
        type: 'object',
        properties: {
          source_name: str,
          worker_name: str,
          relay_status: { type: 'object', nullable: true },
          error_msg: str,
        },
      },
      SourceNameList: strList,
      TaskStage: { type: 'string', enum: ['Stopped', 'Running', 'Paused', 'Finished'] },
      TaskTargetDataBase: {
        type: 'object',
        properties: { host: str, port: int, user: str, password: str, security: ref('Security') },
        required: ['host', 'port', 'user'],
      },
      TaskBinLogFilterRule: {
        type: 'object',
        description: 'template: an Ignore filter on the schema/table of each rule naming it',
        properties: { ignore_event: strList, ignore_sql: strList },
      },
      TaskTableMigrateRule: {
        type: 'object',
        description:
          'source schema/table (wildcards) join the source block-allow-list; a target makes a route',
        properties: {
          source: {
            type: 'object',
            properties: { source_name: str, schema: str, table: str },
            required: ['source_name', 'schema'],
          },
          target: { type: 'object', properties: { schema: str, table: str } },
          binlog_filter_rule: strList,
        },
        required: ['source'],
      },
      TaskFullMigrateConf: {
        type: 'object',
        properties: {
          export_threads: { type: 'integer', default: 4 },
          import_threads: { type: 'integer', default: 16 },
          data_dir: { type: 'string', default: './dumped_data' },
          consistency: { type: 'string', enum: ['auto', 'flush', 'snapshot', 'lock', 'none'] },
          import_mode: { type: 'string', enum: ['logical', 'sql', 'loader'] },
          on_duplicate_logical: { type: 'string', enum: ['replace', 'error', 'ignore'] },
        },
      },
      TaskIncrMigrateConf: {
        type: 'object',
        properties: {
          repl_threads: { type: 'integer', default: 16 },
          repl_batch: { type: 'integer', default: 100 },
        },
      },
      TaskSourceConf: {
        type: 'object',
        properties: { source_name: str, binlog_name: str, binlog_pos: int, binlog_gtid: str },
        required: ['source_name'],
      },
      TaskSourceConfig: {
        type: 'object',
        properties: {
          full_migrate_conf: ref('TaskFullMigrateConf'),
          incr_migrate_conf: ref('TaskIncrMigrateConf'),
          source_conf: { type: 'array', items: ref('TaskSourceConf') },
        },
        required: ['source_conf'],
      },
      Task: {
        type: 'object',
        properties: {
          name: str,
          task_mode: { type: 'string', enum: ['all', 'full', 'incremental', 'dump', 'load'] },
          shard_mode: { type: 'string', enum: ['pessimistic', 'optimistic'] },
          strict_optimistic_shard_mode: bool,
          meta_schema: { type: 'string', default: 'dm_meta' },
          enhance_online_schema_change: { type: 'boolean', default: true },
          on_duplicate: { type: 'string', enum: ['replace', 'error', 'ignore'], default: 'replace' },
          ignore_checking_items: strList,
          target_config: ref('TaskTargetDataBase'),
          binlog_filter_rule: { type: 'object', additionalProperties: ref('TaskBinLogFilterRule') },
          table_migrate_rule: { type: 'array', items: ref('TaskTableMigrateRule') },
          source_config: ref('TaskSourceConfig'),
          status_list: { type: 'array', items: ref('SubTaskStatus') },
        },
        required: ['name', 'task_mode', 'target_config', 'table_migrate_rule', 'source_config'],
      },
      CreateTaskRequest: {
        type: 'object',
        properties: {
          task: ref('Task'),
          task_config: { type: 'string', description: 'DM task.yaml text: creates and starts at once' },
          remove_meta: { type: 'boolean', description: 'with task_config only' },
          start_time: { type: 'string', description: 'with task_config only' },
        },
      },
      ConverterTaskRequest: {
        type: 'object',
        properties: {
          task: ref('Task'),
          task_config_file: { type: 'string', description: 'task.yaml text' },
        },
      },
      ConverterTaskResponse: {
        type: 'object',
        properties: { task: ref('Task'), task_config_file: str },
        required: ['task', 'task_config_file'],
      },
      OperateTaskResponse: {
        type: 'object',
        properties: { task: ref('Task'), check_result: str },
        required: ['task', 'check_result'],
      },
      StartTaskRequest: {
        type: 'object',
        properties: {
          remove_meta: { type: 'boolean', default: false },
          source_name_list: ref('SourceNameList'),
          start_time: { type: 'string', example: '2006-01-02 15:04:05' },
          safe_mode_time_duration: { type: 'string', example: '10s' },
        },
      },
      StopTaskRequest: {
        type: 'object',
        properties: {
          timeout_duration: { type: 'string', description: 'accepted; the stop is asynchronous' },
          source_name_list: ref('SourceNameList'),
        },
      },
      SubTaskStatus: {
        type: 'object',
        properties: {
          name: str,
          source_name: str,
          worker_name: str,
          stage: ref('TaskStage'),
          unit: str,
          unresolved_ddl_lock_id: str,
          error_msg: str,
          dump_status: { type: 'object', nullable: true },
          load_status: { type: 'object', nullable: true },
          sync_status: { type: 'object', nullable: true },
        },
      },
    },
  },
});
