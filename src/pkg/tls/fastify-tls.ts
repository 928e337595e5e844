/**
 * Cluster TLS on a fastify server (the master's API, the worker's API): HTTPS with a
 * required client certificate signed by `ssl-ca` (the TLS layer refuses plain HTTP and
 * unknown CAs), and DM's `cert-allowed-cn` check on every request (403 with a coded error
 * naming the CN; DM refuses the same peer in its TLS handshake).
 */

import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { dmError, E } from '../errors/index.js';
import { type ClusterTls, httpsServerOptions, refuseCn } from './cluster-tls.js';

/** Options to spread into `Fastify({...})`: `https` when TLS is on. */
export function fastifyTlsOptions(t: ClusterTls | undefined): Pick<FastifyServerOptions, never> & {
  https?: ReturnType<typeof httpsServerOptions>;
} {
  return t ? { https: httpsServerOptions(t) } : {};
}

/** Refuse requests whose client certificate CN is not in `cert-allowed-cn`. */
export function enforceAllowedCn(app: FastifyInstance, t: ClusterTls | undefined): void {
  if (!t || t.allowedCn.length === 0) return;
  app.addHook('onRequest', async (req, reply) => {
    const why = refuseCn(t, req.raw.socket as TLSSocket);
    if (why === undefined) return;
    reply.code(403);
    await reply.send({ result: false, msg: dmError(E.clusterCertNotAllowed, why).toString() });
  });
}
