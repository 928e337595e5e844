/**
 * Runs a request on the leader: directly when this master leads, else forwarded over HTTP to
 * the leader's client address (marked so it is never forwarded twice). While no leader is
 * elected, or the known leader refuses connections (it just died), the request waits up to
 * 15 s for the next one, then answers 503 "no leader".
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { failed } from '../pkg/api/errors.js';
import { dmError, E } from '../pkg/errors/index.js';
import { clusterFetch, clusterUrl } from '../pkg/tls/cluster-http.js';
import type { LeaderCtx } from './leader-context.js';
import { isConnRefused } from './probe.js';

/** What the gate needs from the master (kept narrow to avoid an import cycle with server.ts). */
export interface LeaderSource {
  readonly opts: { readonly name: string };
  leaderCtx(): Promise<LeaderCtx | undefined>;
  leaderInfo(): Promise<{ name: string; addr: string } | undefined>;
}

const FORWARDED = 'x-dm-forwarded';
/** How long a request waits for an election before answering "no leader". */
const LEADER_WAIT_MS = 15_000;

export type LeaderHandler = (ctx: LeaderCtx, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Run `handler` on the leader: here if we lead, else forwarded to the leader. */
export function onLeader(m: LeaderSource, handler: LeaderHandler) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      const ctx = await m.leaderCtx();
      if (ctx) return handler(ctx, req, reply);
      if (req.headers[FORWARDED] === undefined) {
        const leader = await m.leaderInfo().catch(() => undefined);
        if (leader && leader.name !== m.opts.name) {
          const out = await forward(leader.addr, req, reply, Date.now() > deadline);
          // The leader's address refused the connection (nothing was sent): it has just
          // died; wait for the next leader like while no leader is elected.
          if (out !== REFUSED) return out;
        }
      }
      if (Date.now() > deadline) {
        reply.code(503);
        return { result: false, ...failed(dmError(E.masterNotLeader, 'no leader elected yet')) };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
}

/** `forward` could not connect (ECONNREFUSED): the request was not sent. */
const REFUSED = Symbol('refused');

async function forward(
  addr: string,
  req: FastifyRequest,
  reply: FastifyReply,
  lastTry: boolean,
): Promise<unknown> {
  const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  let res: Response;
  try {
    res = await clusterFetch(clusterUrl(addr, req.url), {
      method: req.method,
      headers: { [FORWARDED]: '1', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(10 * 60_000),
    });
  } catch (err) {
    if (!lastTry && isConnRefused(err)) return REFUSED;
    reply.code(503);
    return {
      result: false,
      ...failed(dmError(E.masterNotLeader, `cannot forward to the leader at ${addr}`, { cause: err })),
    };
  }
  reply.code(res.status).header('content-type', res.headers.get('content-type') ?? 'application/json');
  return reply.send(await res.text());
}
