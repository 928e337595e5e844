/**
 * The master's HTTP surface (fastify): dmctl's RPC endpoints `/api/ctl/<command>`, DM's
 * OpenAPI paths `/api/v1/…`, worker registration and member join under `/api/internal/…`,
 * and `/metrics`. Requests that need the leader are forwarded by followers, so any master
 * answers any request; a forwarded request is never forwarded again (no loops).
 */

import Fastify, { type FastifyInstance } from 'fastify';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.js';
import { failed } from '../pkg/api/errors.js';
import type { RegisterWorkerRequest, RegisterWorkerResponse } from '../pkg/api/worker-api.js';
import { dmError, E } from '../pkg/errors/index.js';
import { enforceAllowedCn, fastifyTlsOptions } from '../pkg/tls/fastify-tls.js';
import { runCtl } from './ctl-api.js';
import { onLeader } from './leader-gate.js';
import type { MasterHandle } from './master-handle.js';
import { createMasterMetrics } from './metrics.js';
import { registerV1Routes } from './v1-routes.js';

/** A group of HTTP routes a master serves; add a module to ROUTE_MODULES to serve it. */
export type RouteModule = (app: FastifyInstance, m: MasterHandle) => void;

/** Route modules beyond the core endpoints above (DM's OpenAPI first). */
export const ROUTE_MODULES: RouteModule[] = [registerV1Routes, registerDashboardRoutes];

export function buildHttp(m: MasterHandle): FastifyInstance {
  // With cluster TLS the API is HTTPS with client-certificate verification (DM's master
  // gRPC/HTTP server with `security.Security`); the https server's type differs only in
  // the socket class, which no route here depends on.
  const app = Fastify({
    logger: false,
    bodyLimit: 32 * 1024 * 1024,
    ...fastifyTlsOptions(m.tls),
  }) as unknown as FastifyInstance;
  enforceAllowedCn(app, m.tls);
  const registry = createMasterMetrics({
    isLeader: () => m.isLeader,
    scheduler: () => m.currentScheduler,
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  app.get('/api/internal/info', async () => {
    const leader = await m.leaderInfo().catch(() => undefined);
    return { name: m.opts.name, isLeader: m.isLeader, leader: leader ?? null, etcdPid: m.etcdPid ?? null };
  });

  // Any master adds an etcd member for a joining master (no leader needed).
  app.post('/api/internal/members/add', async (req) => {
    const { name, peerUrl } = req.body as { name: string; peerUrl: string };
    try {
      const list = await m.client.cluster.memberList({});
      let members = list.members ?? [];
      if (!members.some((x) => (x.peerURLs ?? []).includes(peerUrl))) {
        const added = await m.client.cluster.memberAdd({ peerURLs: [peerUrl] });
        members = added.members ?? [...members, { name, peerURLs: [peerUrl] }];
      }
      const initialCluster = members
        .map((x) => {
          const url = x.peerURLs?.[0] ?? '';
          return `${x.name || (url === peerUrl ? name : '')}=${url}`;
        })
        .filter((s) => !s.startsWith('='))
        .join(',');
      m.log.info({ name, peerUrl, initialCluster }, 'etcd member added');
      return { result: true, msg: '', initialCluster };
    } catch (err) {
      return { result: false, ...failed(dmError(E.masterEtcd, 'member add failed', { cause: err })) };
    }
  });

  app.post(
    '/api/internal/workers/register',
    onLeader(m, async (ctx, req): Promise<RegisterWorkerResponse> => {
      const { name, addr } = req.body as RegisterWorkerRequest;
      if (!name || !addr) return { result: false, msg: 'name and addr are required', etcdEndpoints: [] };
      await ctx.scheduler.run((core) => core.registerWorker(name, addr));
      ctx.log.info({ worker: name, addr }, 'worker registered');
      return { result: true, msg: '', etcdEndpoints: await m.etcdEndpoints() };
    }),
  );

  app.post(
    '/api/ctl/:command',
    onLeader(m, async (ctx, req) => {
      const { command } = req.params as { command: string };
      const leader = { name: m.opts.name, addr: m.opts.advertiseAddr };
      return runCtl({ ctx, self: leader }, command, (req.body ?? {}) as Record<string, unknown>);
    }),
  );

  // DM's `openapi = false`: no OpenAPI (nor the dashboard, which is built on it).
  if (m.opts.openapi !== false) for (const register of ROUTE_MODULES) register(app, m);
  return app;
}
