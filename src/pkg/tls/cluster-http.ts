/**
 * The one HTTP client of the cluster (master → worker, master → master, worker → master,
 * dmctl → master, probes, etcd's HTTP endpoints). With cluster TLS it speaks HTTPS and
 * presents this process's certificate, verifying the server against `ssl-ca`; without, plain
 * HTTP. A process has exactly one cluster identity (DM: one `security.Security` per
 * dm-master/dm-worker/dmctl), so it is set once at start with {@link useClusterTls} instead
 * of being threaded through every caller.
 *
 * Node's global fetch cannot take client certificates without undici's Agent (not a
 * dependency here), so requests go through node:http/https and are wrapped in a real
 * `Response`, which keeps every caller's fetch-shaped code.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClusterTls } from './cluster-tls.js';

let identity: ClusterTls | undefined;

/** Set this process's cluster TLS identity (undefined = plain HTTP). Call once at start. */
export function useClusterTls(t: ClusterTls | undefined): void {
  identity = t;
}

/** This process's cluster TLS identity, if any. */
export function clusterTls(): ClusterTls | undefined {
  return identity;
}

/** `http` or `https`, as the cluster speaks. */
export function clusterScheme(): 'http' | 'https' {
  return identity ? 'https' : 'http';
}

/** `<scheme>://<addr><path>` for a `host:port` (a URL's own scheme is replaced, as DM's WrapSchemes). */
export function clusterUrl(addr: string, path = ''): string {
  const bare = addr.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
  return `${clusterScheme()}://${bare}${path}`;
}

/** Extra per-request options beyond fetch's. */
export interface ClusterRequestOptions {
  /** Give up when the TCP/TLS connect has not finished after this many ms. */
  connectTimeoutMs?: number;
  /** A fresh connection (no keep-alive pool), for probes. */
  fresh?: boolean;
}

/** node:http(s) options for `url` carrying this process's certificate on `https:`. */
export function requestOptions(url: string): RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const t = identity;
  if (!url.startsWith('https:') || !t) return {};
  return { ca: t.ca, cert: t.cert, key: t.key };
}

/**
 * fetch-compatible request (method, headers, string body, signal) over node:http(s) with the
 * cluster's client certificate. Network errors reject like fetch's (`TypeError` with
 * `cause` = the socket error, so `isConnRefused` works on both).
 */
export function clusterFetch(
  url: string,
  init: RequestInit = {},
  extra: ClusterRequestOptions = {},
): Promise<Response> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = typeof init.body === 'string' ? init.body : undefined;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => {
    headers[k] = v;
  });
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const fail = (err: unknown): void => reject(new TypeError('fetch failed', { cause: err }));
    const req = send(url, {
      ...requestOptions(url),
      method: init.method ?? 'GET',
      headers,
      ...(extra.fresh ? { agent: false } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    let connect: NodeJS.Timeout | undefined;
    if (extra.connectTimeoutMs !== undefined) {
      connect = setTimeout(() => req.destroy(new Error('connect timeout')), extra.connectTimeoutMs);
      req.on('socket', (sock) => {
        const done = (): void => clearTimeout(connect);
        if (!sock.connecting) done();
        else sock.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', done);
      });
    }
    req.on('error', (err) => {
      clearTimeout(connect);
      fail(err);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
        }
        const status = res.statusCode ?? 0;
        const noBody = status === 204 || status === 304;
        resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: h }));
      });
    });
    req.end(body);
  });
}
