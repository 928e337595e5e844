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
        responses: { 200: { description: 'sources', ...json(list('Source')) } },
      },
      post: {
        summary: 'create a source (DM source YAML in source_config, or DM JSON fields)',
        requestBody: json(ref('CreateSourceRequest')),
        responses: { 201: { description: 'created', ...json(ref('Source')) }, 400: errorResp },
      },
    },
    '/sources/{source-name}': {
      get: {
        summary: 'get a source',
        parameters: [nameParam('source-name', 'source name')],
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
      get: { summary: 'list tasks', responses: { 200: { description: 'tasks', ...json(list('Task')) } } },
      post: {
        summary: 'create and start a task from DM task YAML',
        requestBody: json(ref('CreateTaskRequest')),
        responses: { 201: { description: 'started' }, 400: errorResp },
      },
    },
    '/tasks/{task-name}': {
      get: {
        summary: 'get a task',
        parameters: [nameParam('task-name', 'task name')],
        responses: { 200: { description: 'task', ...json(ref('Task')) }, 404: errorResp },
      },
      delete: {
        summary: 'stop and delete a task',
        parameters: [nameParam('task-name', 'task name')],
        responses: { 204: { description: 'deleted' }, 404: errorResp },
      },
    },
    '/tasks/{task-name}/start': {
      post: {
        summary: 'start (resume) a task',
        parameters: [nameParam('task-name', 'task name')],
        requestBody: json(ref('SourceNameList')),
        responses: { 200: { description: 'started' }, 400: errorResp },
      },
    },
    '/tasks/{task-name}/stop': {
      post: {
        summary: 'stop (pause) a task, keeping its config',
        parameters: [nameParam('task-name', 'task name')],
        requestBody: json(ref('SourceNameList')),
        responses: { 200: { description: 'stopped' }, 400: errorResp },
      },
    },
    '/tasks/{task-name}/status': {
      get: {
        summary: 'task status per source',
        parameters: [nameParam('task-name', 'task name')],
        responses: { 200: { description: 'status', ...json(list('SubTaskStatus')) }, 404: errorResp },
      },
    },
  },
  components: {
    schemas: {
      ErrorWithMessage: {
        type: 'object',
        properties: { error_msg: { type: 'string' }, error_code: { type: 'string' } },
      },
      ClusterMaster: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          alive: { type: 'boolean' },
          leader: { type: 'boolean' },
          addr: { type: 'string' },
        },
      },
      ClusterWorker: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          addr: { type: 'string' },
          bound_stage: { type: 'string', enum: ['offline', 'free', 'bound'] },
          bound_source_name: { type: 'string' },
        },
      },
      CreateSourceRequest: {
        type: 'object',
        properties: {
          source_config: { type: 'string', description: 'DM source.yaml text' },
          source_name: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'integer' },
          user: { type: 'string' },
          password: { type: 'string' },
          enable_gtid: { type: 'boolean' },
        },
      },
      Source: {
        type: 'object',
        properties: {
          source_name: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'integer' },
          user: { type: 'string' },
          password: { type: 'string' },
          enable_gtid: { type: 'boolean' },
          enable: { type: 'boolean' },
          flavor: { type: 'string' },
          task_name_list: { type: 'array', items: { type: 'string' } },
          purge: { type: 'object' },
          relay_config: { type: 'object' },
        },
      },
      SourceStatus: {
        type: 'object',
        properties: {
          source_name: { type: 'string' },
          worker_name: { type: 'string' },
          relay_status: { type: 'object', nullable: true },
          error_msg: { type: 'string' },
        },
      },
      CreateTaskRequest: {
        type: 'object',
        properties: {
          task_config: { type: 'string', description: 'DM task.yaml text' },
          remove_meta: { type: 'boolean' },
          start_time: { type: 'string' },
        },
        required: ['task_config'],
      },
      SourceNameList: {
        type: 'object',
        properties: { source_name_list: { type: 'array', items: { type: 'string' } } },
      },
      Task: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          source_name_list: { type: 'array', items: { type: 'string' } },
          task_config: { type: 'string' },
        },
      },
      SubTaskStatus: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          source_name: { type: 'string' },
          worker_name: { type: 'string' },
          stage: { type: 'string' },
          unit: { type: 'string' },
          unresolved_ddl_lock_id: { type: 'string' },
          error_msg: { type: 'string' },
          dump_status: { type: 'object' },
          load_status: { type: 'object' },
          sync_status: { type: 'object' },
        },
      },
    },
  },
});
