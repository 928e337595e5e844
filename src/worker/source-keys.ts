/** Small readers and writers of the etcd keys a source worker watches (see source-worker.ts). */
import type { Etcd3, IKeyValue } from 'etcd3';
import type { Logger } from '../pkg/log/logger.js';

export interface Binding {
  source: string;
  worker: string;
  /** The binding key's etcd mod revision: the fencing epoch of this binding (pkg/db/fence.ts). */
  epoch: number;
}

export function bindingOf(kv: IKeyValue): Binding | undefined {
  const b = parseJson<{ source?: string; worker?: string }>(kv.value);
  if (!b?.source) return undefined;
  return { source: b.source, worker: b.worker ?? '', epoch: Number(kv.mod_revision) };
}

/** The revision after `rev`: where a watch starts after a snapshot read at `rev`. */
export function nextRev(rev: string | undefined | null): string {
  return (BigInt(rev ?? '0') + 1n).toString();
}

export function parseJson<T>(v: Buffer | string): T | undefined {
  try {
    return JSON.parse(v.toString()) as T;
  } catch {
    return undefined;
  }
}

/** Put (`on`) or delete a hint key the leader reads (`Keys.loadHint`, `Keys.relayHint`). Best effort. */
export function writeHint(client: Etcd3, key: string, value: string, on: boolean, log: Logger): void {
  const op = on ? client.put(key).value(value) : client.delete().key(key);
  void Promise.resolve(op).catch((err: unknown) => log.warn({ err: String(err), key }, 'cannot write hint'));
}
