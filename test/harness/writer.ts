import type mysql from 'mysql2/promise';

/** A background writer started by {@link writeLoop}. */
export interface WriteLoop {
  /** Ask the loop to end after the current step; resolves with the number of steps begun. */
  stop(): Promise<number>;
}

/**
 * The steady writer of the tests that replicate under load: `step(c, n)` for n = 1, 2, … on one
 * connection from `connect`, `pauseMs` apart, until `stop()`. A failing step ends the loop and
 * fails `stop()`.
 */
export function writeLoop(
  connect: () => Promise<mysql.Connection>,
  step: (c: mysql.Connection, n: number) => Promise<void>,
  pauseMs = 5,
): WriteLoop {
  let on = true;
  let n = 0;
  const done = (async () => {
    const c = await connect();
    try {
      while (on) {
        n++;
        await step(c, n);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    } finally {
      await c.end();
    }
  })();
  return {
    stop: async () => {
      on = false;
      await done;
      return n;
    },
  };
}
