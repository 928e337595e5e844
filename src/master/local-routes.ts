/**
 * Master routes answered by the master that receives them, never forwarded to the leader:
 * `GET /api/internal/config` (this master's config, behind `dmctl config master NAME`) and
 * `POST /api/ctl/operate-leader` (DM: "this request doesn't need to forward to leader" — the
 * receiving master evicts itself from, or returns to, the election).
 */
import type { FastifyInstance } from 'fastify';
import { stringify } from 'smol-toml';
import type { LeaderElection } from './election.js';
import type { MasterOptions } from './options.js';

/** The master options as a dm-master TOML file (kebab-case keys, defaults filled; parses back with `--config`). */
export function masterConfigToml(o: MasterOptions): string {
  return stringify({
    name: o.name,
    'master-addr': o.masterAddr,
    'advertise-addr': o.advertiseAddr,
    'peer-urls': o.peerUrls,
    'advertise-peer-urls': o.advertisePeerUrls,
    'initial-cluster': o.initialCluster,
    join: o.join.join(','),
    'data-dir': o.dataDir,
    'log-file': o.logFile,
    'log-level': o.logLevel,
    'etcd-bin': o.etcdBin,
    'etcd-client-urls': o.etcdClientUrls,
    'etcd-endpoints': o.etcdEndpoints.join(','),
    'election-ttl': o.electionTtl,
  });
}

/** What the routes need from the master (narrow, to avoid an import cycle with server.ts). */
export interface LocalRouteSource {
  readonly opts: MasterOptions;
  /** The election, once started (requests before that answer "not ready"). */
  election(): LeaderElection | undefined;
}

/** `operate-leader evict|cancel-evict` on this master; DM's reply `{result, msg}`. */
export async function operateLeader(
  election: LeaderElection | undefined,
  op: string,
): Promise<{ result: boolean; msg: string }> {
  if (op !== 'evict' && op !== 'cancel-evict')
    return { result: false, msg: `operate ${op} is not supported` };
  if (!election) return { result: false, msg: 'election not started yet' };
  if (op === 'evict') await election.evict();
  else election.cancelEvict();
  return { result: true, msg: '' };
}

/** Register the local routes (before listen; fastify prefers this static path over `/api/ctl/:command`). */
export function registerLocalRoutes(app: FastifyInstance, m: LocalRouteSource): void {
  app.get('/api/internal/config', async () => ({ result: true, msg: '', cfg: masterConfigToml(m.opts) }));
  app.post('/api/ctl/operate-leader', async (req) => {
    const op = (req.body as { op?: unknown } | undefined)?.op;
    return operateLeader(m.election(), typeof op === 'string' ? op : '');
  });
}
