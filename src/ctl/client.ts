/**
 * dmctl's transport: `POST http://<master>/api/ctl/<command>` with a JSON body, trying each
 * `--master-addr` in turn. Any master answers (followers forward to the leader); a 503
 * (election in progress) is retried briefly on the same master.
 */
import { request as httpRequest } from 'node:http';
import { dmError, E } from '../pkg/errors/index.js';

export interface CtlReply {
  result?: boolean;
  msg?: string;
  [k: string]: unknown;
}

/** TCP connect timeout per master before the next `--master-addr` is tried. */
const CONNECT_TIMEOUT_MS = 2_000;
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
      let res: { status: number; text: string };
      try {
        res = await postWithConnectTimeout(`http://${addr}/api/ctl/${command}`, body);
      } catch (err) {
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
  throw dmError(E.ctlMasterUnreachable, `can not connect to master ${addrs.join(',')}: ${errors.join('; ')}`);
}

/**
 * POST with a connect timeout that covers only the TCP connect: a dead or unreachable master
 * is given up after CONNECT_TIMEOUT_MS and the next address tried, while a connected master
 * may take as long as the command needs (start-task prechecks), bounded by REQUEST_TIMEOUT_MS.
 * (fetch cannot tell connecting from waiting for the answer without undici's own Agent.)
 */
function postWithConnectTimeout(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const payload = JSON.stringify(body ?? {});
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: REQUEST_TIMEOUT_MS,
    });
    const connect = setTimeout(() => req.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    req.on('socket', (sock) => {
      if (!sock.connecting) clearTimeout(connect);
      else sock.once('connect', () => clearTimeout(connect));
    });
    req.on('timeout', () => req.destroy(new Error('request timeout')));
    req.on('error', (err) => {
      clearTimeout(connect);
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end(payload);
  });
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
