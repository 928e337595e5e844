import { resolve } from 'node:path';

/**
 * In-process registry of relay readers and writers, so purge never removes a file that is
 * being read or written. Keyed by the resolved relay dir.
 */
export interface ActivePosition {
  subDir: string;
  file: string;
}

const active = new Map<string, Set<() => ActivePosition>>();

/** Register a reader/writer; returns the unregister function. `where` is polled by purge. */
export function registerReader(relayDir: string, where: () => ActivePosition): () => void {
  const key = resolve(relayDir);
  let set = active.get(key);
  if (!set) {
    set = new Set();
    active.set(key, set);
  }
  set.add(where);
  return () => {
    set.delete(where);
  };
}

/** Positions of every active reader/writer of `relayDir`. */
export function activePositions(relayDir: string): ActivePosition[] {
  return [...(active.get(resolve(relayDir)) ?? [])].map((f) => f());
}
