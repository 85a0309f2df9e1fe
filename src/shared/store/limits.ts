import type { Redis } from "ioredis";

/** Per-user and per-guild limits on requests. */
export interface Limits {
  /** Time between two requests of one user; 0 = none. */
  cooldownMs: number;
  /** Requests one user may have queued or generating at once. */
  userMaxInFlight: number;
  /** Requests one guild may have queued or generating at once. */
  guildMaxInFlight: number;
}

/** How long an in-flight lease is held at most if its release is lost (a job deleted by hand, say). */
const LEASE_MS = 30 * 60_000;

/** Why a request was refused, and for a cooldown, for how long. */
export type LimitVerdict =
  | { ok: true; /** The request already held its lease (Discord delivered it again). */ held?: boolean }
  | { ok: false; reason: "cooldown"; retryAfterMs: number }
  | { ok: false; reason: "user" | "guild" };

// One atomic step: drop expired leases; a request that holds one already keeps it; else check cooldown and both
// caps, then take a lease and start the cooldown.
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[2], ARGV[5]) then return {'held', 0} end
if ARGV[7] == '1' then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
local wait = redis.call('PTTL', KEYS[1])
if wait > 0 then return {'cooldown', wait} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {'user', 0} end
if ARGV[7] == '1' and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {'guild', 0} end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[6]), ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
return {'ok', 0}
`;

function keys(prefix: string, userId: string, guildId: string | null): [string, string, string] {
  return [
    `${prefix}:limits:cooldown:${userId}`,
    `${prefix}:limits:inflight:user:${userId}`,
    `${prefix}:limits:inflight:guild:${guildId ?? "dm"}`,
  ];
}

/**
 * Takes an in-flight lease for `requestId` if the user is out of cooldown and under both caps, atomically
 * (one Lua script). On Redis Cluster the prefix must be hash-tagged (`{bvi}`) so the keys share a slot.
 */
export async function acquireLease(
  redis: Redis,
  prefix: string,
  limits: Limits,
  request: { userId: string; guildId: string | null; requestId: string },
): Promise<LimitVerdict> {
  const [cooldown, user, guild] = keys(prefix, request.userId, request.guildId);
  const [verdict, wait] = (await redis.eval(
    ACQUIRE,
    3,
    cooldown,
    user,
    guild,
    Date.now(),
    limits.cooldownMs,
    limits.userMaxInFlight,
    limits.guildMaxInFlight,
    request.requestId,
    LEASE_MS,
    request.guildId === null ? "0" : "1",
  )) as [string, number];
  if (verdict === "ok") return { ok: true };
  if (verdict === "held") return { ok: true, held: true };
  if (verdict === "cooldown") return { ok: false, reason: "cooldown", retryAfterMs: wait };
  return { ok: false, reason: verdict === "guild" ? "guild" : "user" };
}

/** Gives the lease back when a request has finished, failed for good, or could not be queued. */
export async function releaseLease(
  redis: Redis,
  prefix: string,
  request: { userId: string; guildId: string | null; requestId: string },
): Promise<void> {
  const [, user, guild] = keys(prefix, request.userId, request.guildId);
  await redis.multi().zrem(user, request.requestId).zrem(guild, request.requestId).exec();
}

/** What a refused user reads. */
export function limitText(verdict: Exclude<LimitVerdict, { ok: true }>, limits: Limits): string {
  switch (verdict.reason) {
    case "cooldown":
      return `Slow down a little: you can send another request in ${Math.ceil(verdict.retryAfterMs / 1000)} s.`;
    case "user":
      return `You already have ${limits.userMaxInFlight} request${limits.userMaxInFlight === 1 ? "" : "s"} waiting or generating. Send another when one has finished.`;
    case "guild":
      return `This server has ${limits.guildMaxInFlight} requests waiting or generating, the most it may have at once. Try again when some have finished.`;
  }
}
