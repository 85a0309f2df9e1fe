import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/** The Redis the tests use: `TEST_REDIS_URL`, else the local default. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A queue prefix no other test (or run) shares. */
export function uniquePrefix(name: string): string {
  return `bvi-test:${name}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under `prefix` (and nothing else). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
