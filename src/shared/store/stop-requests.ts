import type { Redis } from "ioredis";

/** A member's request to stop a generation. */
export interface StopRequest {
  jobId: string;
  /** Who stopped it, as shown in the thread. */
  by: string;
}

const channel = (prefix: string) => `${prefix}:stop`;
const marker = (prefix: string, jobId: string) => `${prefix}:stopped:${jobId}`;
/** How long a stop is remembered for a job that has not started yet. */
const MARKER_TTL_SECONDS = 3600;

/**
 * Asks whichever worker runs `jobId` to stop it (Redis pub/sub), and leaves a marker for a worker that
 * picks it up only afterwards.
 */
export async function requestStop(redis: Redis, prefix: string, stop: StopRequest): Promise<void> {
  await redis.set(marker(prefix, stop.jobId), stop.by, "EX", MARKER_TTL_SECONDS);
  await redis.publish(channel(prefix), JSON.stringify(stop));
}

/** Who stopped `jobId` before a worker started it, if anyone. */
export async function stoppedBefore(redis: Redis, prefix: string, jobId: string): Promise<string | null> {
  return redis.get(marker(prefix, jobId));
}

/** Calls `onStop` for every stop request; returns a function that unsubscribes and closes the connection. */
export async function listenForStops(
  redis: Redis,
  prefix: string,
  onStop: (stop: StopRequest) => void,
): Promise<() => Promise<void>> {
  const subscriber = redis.duplicate();
  subscriber.on("error", () => {}); // the main connection reports Redis errors; this one reconnects alone
  subscriber.on("message", (_channel: string, message: string) => {
    try {
      const stop = JSON.parse(message) as Partial<StopRequest>;
      if (typeof stop.jobId === "string" && typeof stop.by === "string") onStop({ jobId: stop.jobId, by: stop.by });
    } catch {
      // not one of ours
    }
  });
  await subscriber.subscribe(channel(prefix));
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
