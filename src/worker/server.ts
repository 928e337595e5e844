import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  OPERATE_OPS,
  type OperateRequest,
  type OperateResponse,
  type WorkerStatusResponse,
} from '../pkg/api/worker-api.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { ClusterTls } from '../pkg/tls/cluster-tls.js';
import { enforceAllowedCn, fastifyTlsOptions } from '../pkg/tls/fastify-tls.js';

/** What the HTTP server needs from the rest of the worker. */
export interface WorkerServerBackend {
  name: string;
  /** Cluster TLS: HTTPS with client-certificate verification and `cert-allowed-cn` (undefined = HTTP). */
  tls?: ClusterTls;
  status(task?: string): WorkerStatusResponse;
  /** True while the etcd lease is alive. */
  alive(): boolean;
  registry: Registry;
  /** `POST /operate` (binlog, binlog-schema, purge-relay); see worker/operate.ts. */
  operate?(req: OperateRequest): Promise<OperateResponse>;
}

/**
 * The worker's HTTP API (contract in src/master/worker-api.ts): `GET /status`, `POST
 * /operate`, `GET /metrics` (Prometheus) and `GET /health`.
 */
export function buildWorkerServer(b: WorkerServerBackend): FastifyInstance {
  const app = Fastify({ logger: false, ...fastifyTlsOptions(b.tls) }) as unknown as FastifyInstance;
  enforceAllowedCn(app, b.tls);

  app.get<{ Querystring: { task?: string } }>('/status', async (req) => {
    const task = req.query.task || undefined;
    return b.status(task);
  });

  app.post<{ Body: Partial<OperateRequest> }>('/operate', async (req): Promise<OperateResponse> => {
    const op = req.body?.op;
    if (!op || !(OPERATE_OPS as readonly string[]).includes(op)) {
      return {
        result: false,
        msg: `unknown operation "${String(op)}"; expected one of ${OPERATE_OPS.join(', ')}`,
      };
    }
    if (!b.operate) return { result: false, msg: 'this worker was started without an operation handler' };
    return b.operate({ ...req.body, op } as OperateRequest);
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', b.registry.contentType);
    return b.registry.metrics();
  });

  app.get('/health', async () => ({ result: true, name: b.name, alive: b.alive() }));

  return app;
}

/** Listen on `host:port`; a busy port is a coded error naming the address. */
export async function listenWorkerServer(app: FastifyInstance, addr: string): Promise<string> {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  try {
    return await app.listen({ host, port });
  } catch (err) {
    throw dmError(E.workerUnit, `cannot listen on ${addr}: ${(err as Error).message}`, {
      cause: err,
      context: { addr },
    });
  }
}
