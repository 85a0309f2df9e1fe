import type { Redis } from "ioredis";
import { summarizeTally, type LeaderboardSummary } from "../shared/preferences/leaderboard.js";
import { adoptLegacyComparisons } from "../shared/store/adopt-legacy.js";
import type { Retention } from "../shared/store/retention.js";
import { loadTally, tallyVersion } from "../shared/store/tallies.js";
import { scopeOf } from "../shared/store/keys.js";

/** How long a member waits between two /leaderboard calls. */
export const LEADERBOARD_COOLDOWN_MS = 15_000;
/** Guilds whose summary is kept in memory at once (the least recently used goes first). */
const CACHED_GUILDS = 500;

const cooldownKey = (prefix: string, userId: string) => `${prefix}:limits:leaderboard:${userId}`;

/** How long a member still has to wait before the next /leaderboard, in ms (0: none). Reads only. */
export async function leaderboardWait(redis: Redis, prefix: string, userId: string): Promise<number> {
  return Math.max(0, await redis.pttl(cooldownKey(prefix, userId)));
}

/** Starts a member's /leaderboard cooldown. */
export async function startLeaderboardCooldown(redis: Redis, prefix: string, userId: string): Promise<void> {
  await redis.set(cooldownKey(prefix, userId), "1", "PX", LEADERBOARD_COOLDOWN_MS);
}

interface Cached {
  version: string;
  validUntil: number;
  summary: LeaderboardSummary;
}

const cache = new Map<string, Cached>();

/**
 * A guild's leaderboard summary (null = direct messages), from its incremental vote tally in Redis. It is computed
 * again only when a vote changed the tally (its change counter moved) or a day of votes expired; otherwise it comes
 * from memory at the cost of one small Redis read. Computing it costs what the tally's size costs (distinct vote
 * patterns), not what the number of votes would.
 */
export async function leaderboardSummary(
  redis: Redis,
  prefix: string,
  guildId: string | null,
  retention?: Retention,
  now = Date.now(),
): Promise<{ summary: LeaderboardSummary; cached: boolean }> {
  const key = `${prefix}\n${scopeOf(guildId)}`;
  const known = cache.get(key);
  if (known && now < known.validUntil && known.version === (await tallyVersion(redis, prefix, guildId))) {
    cache.delete(key);
    cache.set(key, known);
    return { summary: known.summary, cached: true };
  }
  await adoptLegacyComparisons(redis, prefix, retention, now);
  const tally = await loadTally(redis, prefix, guildId, now);
  const summary = summarizeTally(tally.cells);
  cache.delete(key);
  cache.set(key, { version: tally.version, validUntil: tally.validUntil, summary });
  for (const oldest of cache.keys()) {
    if (cache.size <= CACHED_GUILDS) break;
    cache.delete(oldest);
  }
  return { summary, cached: false };
}
