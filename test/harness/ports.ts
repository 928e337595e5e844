import { createServer } from 'node:net';

/**
 * Ports are picked below Linux's default ephemeral range (32768–60999). A port the OS picks
 * for `listen(0)` comes from that range, and so does the local port of every outgoing
 * connection: a port picked that way and bound only seconds later (a dm-master that first
 * retries joining its cluster) was taken meanwhile by some test's client connection
 * (EADDRINUSE, seen in CI). Below the range only another explicit pick can take it.
 */
const LOW = 15_000;
const HIGH = 32_700;

/** Ports this process handed out already (never handed out twice). */
const given = new Set<number>();

/** True when `port` can be bound on 127.0.0.1 right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (given.has(port)) continue;
    if (await bindable(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${LOW}–${HIGH - 1} after 200 attempts`);
}
