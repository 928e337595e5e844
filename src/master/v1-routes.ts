/**
 * DM's OpenAPI (`/api/v1/…`): every operation of DM's own spec (openapi/dm.yaml, served as
 * `/api/v1/dm.json`, docs page `/api/v1/docs`), validated against the spec and answered by
 * the handler with the spec's operationId. The handlers live by group: sources
 * (openapi/source-handlers.ts), tasks (task-json-routes.ts), task templates and a task's
 * per-source views (openapi/task-extra-handlers.ts), cluster and docs
 * (openapi/cluster-handlers.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { MasterHandle } from './master-handle.js';
import { clusterHandlers } from './openapi/cluster-handlers.js';
import { type ApiHandlers, registerOpenApi } from './openapi/router.js';
import { sourceHandlers } from './openapi/source-handlers.js';
import { taskExtraHandlers } from './openapi/task-extra-handlers.js';
import { taskHandlers } from './task-json-routes.js';

/** All handlers, by operationId. */
export function v1Handlers(m: Pick<MasterHandle, 'opts'>): ApiHandlers {
  return {
    ...clusterHandlers({ name: m.opts.name }),
    ...sourceHandlers(m.opts.dataDir),
    ...taskHandlers(m.opts.dataDir),
    ...taskExtraHandlers(m.opts.dataDir),
  };
}

export function registerV1Routes(app: FastifyInstance, m: MasterHandle): void {
  registerOpenApi(app, m, v1Handlers(m));
}
