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

// Records one worker and forgets the ones that went quiet, in one step, a thousand at a time.
const ANNOUNCE = `
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
local pruned = 0
repeat
  local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4], 'LIMIT', 0, 1000)
  if #gone > 0 then
    redis.call('ZREM', KEYS[1], unpack(gone))
    redis.call('HDEL', KEYS[2], unpack(gone))
  end
  pruned = pruned + #gone
until #gone < 1000
return pruned
`;

/**
 * Records that a worker is alive, with what it has loaded, and forgets the workers not heard from for
 * three heartbeats: every heartbeat prunes the registry, so it never outgrows the workers alive.
 */
export async function announceWorker(redis: Redis, prefix: string, info: WorkerInfo): Promise<void> {
  await redis.eval(
    ANNOUNCE,
    2,
    seenKey(prefix),
    infoKey(prefix),
    info.seenAt,
    info.name,
    JSON.stringify(info),
    info.seenAt - GONE_AFTER_MS,
  );
}

/** Removes a worker that is shutting down. */
export async function retireWorker(redis: Redis, prefix: string, name: string): Promise<void> {
  await redis.multi().zrem(seenKey(prefix), name).hdel(infoKey(prefix), name).exec();
}

/** The workers heard from recently; forgets the ones that went quiet. */
export async function onlineWorkers(redis: Redis, prefix: string, now = Date.now()): Promise<WorkerInfo[]> {
  await redis.eval(ANNOUNCE, 2, seenKey(prefix), infoKey(prefix), now, "", "", now - GONE_AFTER_MS);
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
