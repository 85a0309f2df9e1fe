import type { Redis } from "ioredis";
import type { EngineInfo } from "../model-info.js";

/** A worker as `/models` shows it. */
export interface WorkerInfo {
  /** The BullMQ worker name: host, process id and a random suffix. */
  name: string;
  host: string;
  backend: string;
  /** Jobs at once. */
  sequences: number;
  models: EngineInfo["models"];
  startedAt: number;
  /** When it last said it was alive. */
  seenAt: number;
}

/** How often a worker says it is alive, and after how long without a word it counts as gone. */
export const HEARTBEAT_MS = 10_000;
const GONE_AFTER_MS = 3 * HEARTBEAT_MS;

const seenKey = (prefix: string) => `${prefix}:workers`;
const infoKey = (prefix: string) => `${prefix}:workers:info`;

/** Records that a worker is alive, with what it has loaded. */
export async function announceWorker(redis: Redis, prefix: string, info: WorkerInfo): Promise<void> {
  await redis
    .multi()
    .zadd(seenKey(prefix), info.seenAt, info.name)
    .hset(infoKey(prefix), info.name, JSON.stringify(info))
    .exec();
}

/** Removes a worker that is shutting down. */
export async function retireWorker(redis: Redis, prefix: string, name: string): Promise<void> {
  await redis.multi().zrem(seenKey(prefix), name).hdel(infoKey(prefix), name).exec();
}

/** The workers heard from recently; forgets the ones that went quiet. */
export async function onlineWorkers(redis: Redis, prefix: string, now = Date.now()): Promise<WorkerInfo[]> {
  const gone = await redis.zrangebyscore(seenKey(prefix), "-inf", `(${now - GONE_AFTER_MS}`);
  if (gone.length > 0) {
    await redis
      .multi()
      .zrem(seenKey(prefix), ...gone)
      .hdel(infoKey(prefix), ...gone)
      .exec();
  }
  const names = await redis.zrange(seenKey(prefix), 0, -1);
  if (names.length === 0) return [];
  const raw = await redis.hmget(infoKey(prefix), ...names);
  return raw.flatMap((item) => (item === null ? [] : [JSON.parse(item) as WorkerInfo]));
}

/** Announces a worker now and every {@link HEARTBEAT_MS}; the returned function stops and retires it. */
export function startHeartbeat(
  redis: Redis,
  prefix: string,
  info: Omit<WorkerInfo, "seenAt">,
  onError: (error: unknown) => void,
): () => Promise<void> {
  const beat = () => announceWorker(redis, prefix, { ...info, seenAt: Date.now() }).catch(onError);
  // Not awaited: while Redis is away the worker's connection waits, and starting must not.
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await retireWorker(redis, prefix, info.name).catch(onError);
  };
}
