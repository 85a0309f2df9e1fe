import type { Redis } from "ioredis";
import { withTimeout } from "../src/shared/with-timeout.js";

/** Why a job's work was stopped: its worker could not reach Redis for longer than the job's lock is safe. */
export class LostLease extends Error {
  override name = "LostLease";
}

export interface LeaseWatch {
  /** Aborts (with a {@link LostLease}) when Redis has not answered for too long; a fresh one once it answers. */
  signal(): AbortSignal;
  close(): void;
}

/**
 * A job's lock lives only as long as its worker renews it in Redis (BullMQ renews it every half lock). Past
 * the lock, another worker takes the job over; a worker that cannot reach Redis does not learn that until
 * Redis answers again, and would go on writing the same messages as the new owner. So: a PING every
 * `everyMs`, and when none has succeeded for `limitMs` (less than half the lock, so it fires before the lock
 * can expire), the current signal aborts and every job on it stops writing.
 */
export function watchLease(redis: Redis, { everyMs, limitMs }: { everyMs: number; limitMs: number }): LeaseWatch {
  let lastOk = Date.now();
  let controller = new AbortController();
  let pinging = false;
  const check = () => {
    if (Date.now() - lastOk > limitMs && !controller.signal.aborted) {
      controller.abort(new LostLease(`Redis has not answered for ${Date.now() - lastOk} ms`));
    }
    if (pinging) return;
    pinging = true;
    withTimeout(redis.ping(), limitMs, "lease ping")
      .then(() => {
        lastOk = Date.now();
        if (controller.signal.aborted) controller = new AbortController();
      })
      .catch(() => {})
      .finally(() => {
        pinging = false;
      });
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return {
    signal: () => controller.signal,
    close: () => clearInterval(timer),
  };
}
