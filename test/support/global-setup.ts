import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "./redis.js";

/** Fails the run at once, with what to do, when the Redis the tests need does not answer. */
export default async function checkRedis(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(
      `The tests need Redis at ${TEST_REDIS_URL} (set TEST_REDIS_URL to use another). Start one with: ` +
        `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no  (or: docker compose up -d redis)`,
    );
  } finally {
    redis.disconnect();
  }
}
