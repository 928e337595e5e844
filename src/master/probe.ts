/**
 * Reachability probe of another master's HTTP address or etcd member: `up` (answered
 * anything), `refused` (nothing listens there: the process is gone) or `unknown` (timeout or
 * another network error, which proves nothing on its own).
 */
export type ProbeResult = 'up' | 'refused' | 'unknown';

export async function probe(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return 'up';
  } catch (err) {
    return isConnRefused(err) ? 'refused' : 'unknown';
  }
}

/** True when `err` (from fetch, or its cause chain) is a refused TCP connection. */
export function isConnRefused(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === 'ECONNREFUSED') return true;
    e = e.cause as typeof e;
  }
  return false;
}
