import { Redis, type RedisOptions } from "ioredis";
import { withTimeout } from "./with-timeout.js";

/** Whether Redis answers a PING within `timeoutMs` (defaults to 1000 ms). */
export async function pingRedis(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  try {
    return (await withTimeout(redis.ping(), timeoutMs, "Redis ping")) === "PONG";
  } catch {
    return false;
  }
}

/**
 * Opens a Redis connection for BullMQ. `role` "worker" waits out outages (BullMQ needs
 * `maxRetriesPerRequest: null` for blocking commands); "producer" fails fast, so a command that
 * arrives while Redis is down is answered at once instead of hanging in the offline queue; "script"
 * waits for the connection a few seconds, then gives up (a command-line tool should fail, not hang).
 */
export function connectRedis(url: string, role: "worker" | "producer" | "script"): Redis {
  if (role === "script") {
    return new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => (attempt > 3 ? null : attempt * 500),
    });
  }
  const options: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  return new Redis(url, { ...options, retryStrategy: (attempt) => Math.min(attempt * 200, 2_000) });
}
