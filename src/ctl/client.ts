/**
 * dmctl's transport: `POST http://<master>/api/ctl/<command>` with a JSON body, trying each
 * `--master-addr` in turn. Any master answers (followers forward to the leader); a 503
 * (election in progress) is retried briefly on the same master.
 */
import { dmError, E } from '../pkg/errors/index.js';

export interface CtlReply {
  result?: boolean;
  msg?: string;
  [k: string]: unknown;
}

/** Connection timeout per master; a reachable master answers its first byte quickly. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Long commands (start-task with prechecks) may take minutes. */
const REQUEST_TIMEOUT_MS = 10 * 60_000;

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
      let res: Response;
      try {
        res = await postWithConnectTimeout(`http://${addr}/api/ctl/${command}`, body);
      } catch (err) {
        errors.push(`${addr}: ${describe(err)}`);
        break;
      }
      const text = await res.text();
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
  throw dmError(E.ctlMasterUnreachable, `can not connect to master ${addrs.join(',')}: ${errors.join('; ')}`);
}

async function postWithConnectTimeout(url: string, body: unknown): Promise<Response> {
  const ctl = new AbortController();
  const connect = setTimeout(() => ctl.abort(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
  const total = setTimeout(() => ctl.abort(new Error('request timeout')), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      signal: ctl.signal,
    });
    clearTimeout(connect);
    // Read the body under the total timeout only.
    const text = await res.text();
    return new Response(text, { status: res.status, headers: res.headers });
  } finally {
    clearTimeout(connect);
    clearTimeout(total);
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
