/**
 * dmctl's transport: `POST http(s)://<master>/api/ctl/<command>` with a JSON body, trying each
 * `--master-addr` in turn. Any master answers (followers forward to the leader); a 503
 * (election in progress) is retried briefly on the same master.
 */
import { dmError, E } from '../pkg/errors/index.js';
import { clusterFetch, clusterTls, clusterUrl } from '../pkg/tls/cluster-http.js';

export interface CtlReply {
  result?: boolean;
  msg?: string;
  [k: string]: unknown;
}

/** TCP connect timeout per master before the next `--master-addr` is tried. */
const CONNECT_TIMEOUT_MS = 2_000;
/**
 * Per-request timeout (DM's `--rpc-timeout`, default 10m: start-task with prechecks may take
 * minutes). dmctl runs one command per process, so the global option sets it once, before
 * the first request (see runtime.ts), like the `--ssl-*` identity.
 */
let requestTimeoutMs = 10 * 60_000;

/** Set the per-request timeout (dmctl `--rpc-timeout`). */
export function setRequestTimeout(ms: number): void {
  requestTimeoutMs = ms;
}

/** A request that ran past `--rpc-timeout`: the master may still be executing it. */
function isTimeout(err: unknown): boolean {
  // node:http aborts with an AbortError (code ABORT_ERR) whose cause is the TimeoutError.
  const e = err as { name?: string; code?: string; cause?: { name?: string; code?: string } };
  return [e.name, e.code, e.cause?.name, e.cause?.code].some(
    (x) => x === 'TimeoutError' || x === 'AbortError' || x === 'ABORT_ERR',
  );
}

export function parseMasterAddrs(s: string | undefined): string[] {
  return (s ?? '127.0.0.1:8261')
    .split(',')
    .map((x) =>
      x
        .trim()
        .replace(/^https?:\/\//, '')
        .replace(/\/+$/, ''),
    )
    .filter((x) => x !== '');
}

export async function callMaster(addrs: string[], command: string, body: unknown): Promise<CtlReply> {
  const errors: string[] = [];
  for (const addr of addrs) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      let res: { status: number; text: string };
      try {
        res = await postWithConnectTimeout(clusterUrl(addr, `/api/ctl/${command}`), body);
      } catch (err) {
        // Not retried on the next master: the command may be running there already.
        if (isTimeout(err)) {
          throw dmError(
            E.ctlMasterUnreachable,
            `${command} to master ${addr}: context deadline exceeded (no answer within --rpc-timeout ${requestTimeoutMs} ms)`,
          );
        }
        errors.push(`${addr}: ${describe(err)}`);
        break;
      }
      const text = res.text;
      if (res.status === 503 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      try {
        return JSON.parse(text) as CtlReply;
      } catch {
        errors.push(`${addr}: HTTP ${res.status}: ${text.slice(0, 200)}`);
        break;
      }
    }
  }
  throw dmError(
    E.ctlMasterUnreachable,
    `can not connect to master ${addrs.join(',')}: ${errors.join('; ')}${tlsHint(errors)}`,
  );
}

/**
 * POST with a connect timeout that covers only the TCP (and TLS) connect: a dead or
 * unreachable master is given up after CONNECT_TIMEOUT_MS and the next address tried, while a
 * connected master may take as long as the command needs (start-task prechecks), bounded by
 * --rpc-timeout. HTTPS with the `--ssl-*` client certificate when given.
 */
async function postWithConnectTimeout(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await clusterFetch(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(requestTimeoutMs),
    },
    { connectTimeoutMs: CONNECT_TIMEOUT_MS },
  );
  return { status: res.status, text: await res.text() };
}

/**
 * A TLS master closes a plain-HTTP connection without an answer, and refuses a client that
 * presents no or an unknown certificate during the handshake: say so instead of leaving the
 * user with "socket hang up".
 */
function tlsHint(errors: string[]): string {
  const dropped = errors.some((e) =>
    /ECONNRESET|socket hang up|EPIPE|HPE_|certificate|alert|SSL|TLS/i.test(e),
  );
  if (!dropped) return '';
  return clusterTls()
    ? ' (the master refused this TLS client: check that --ssl-cert is signed by the master’s ssl-ca and that its CN is in the master’s cert-allowed-cn)'
    : ' (the master may require TLS: pass --ssl-ca, --ssl-cert and --ssl-key)';
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
