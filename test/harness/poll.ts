/** Thrown by a check to stop waiting at once (even when other errors count as "not yet"). */
export class FatalWait extends Error {}

/** How {@link until} polls. */
export interface PollOptions {
  /** Pause between checks (default 100 ms). */
  intervalMs?: number;
  /** Count a throwing check as "not yet" (the last error goes in the timeout message); default false. */
  retryErrors?: boolean;
  /** The timeout message (default `${what} not met within ${ms} ms`). */
  message?: (last: unknown) => string;
}

/**
 * The one poller of the test harness: call `cond` until it returns a truthy value and return
 * it; throw after `ms`. A {@link FatalWait} thrown by `cond` always stops the wait.
 */
export async function until<T>(
  cond: () => Promise<T> | T,
  ms: number,
  what: string,
  o: PollOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      if (!o.retryErrors || err instanceof FatalWait) throw err;
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(o.message ? o.message(last) : `${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}
