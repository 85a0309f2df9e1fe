import type { Redis } from "ioredis";
import { parseTallyField, type TallyCell } from "../preferences/tally.js";
import { keys } from "./keys.js";

/** A guild's vote tally as read: its cells, the change counter it was read at, and until when it holds. */
export interface LoadedTally {
  cells: TallyCell[];
  /** Changes with every vote cast, changed or removed in the guild. */
  version: string;
  /** When the first of its periods expires (ms), or Infinity: the tally read is current until then. */
  validUntil: number;
}

/** The guild's tally change counter: it changes with every vote; "0" before the first. */
export async function tallyVersion(redis: Redis, prefix: string, guildId: string | null): Promise<string> {
  return (await redis.get(keys.tallyVersion(prefix, guildId))) ?? "0";
}

/**
 * A guild's vote tally (null = direct messages): the sum of its live periods, one small hash per day of comparisons.
 * Costs one read per live period (at most the vote retention in days), whatever the number of votes.
 */
export async function loadTally(
  redis: Redis,
  prefix: string,
  guildId: string | null,
  now = Date.now(),
): Promise<LoadedTally> {
  const [[, version], [, buckets]] = ((await redis
    .multi()
    .get(keys.tallyVersion(prefix, guildId))
    .zrangebyscore(keys.tallyBuckets(prefix, guildId), `(${now}`, "+inf", "WITHSCORES")
    .exec()) ?? []) as [[unknown, string | null], [unknown, string[]]];
  const periods: string[] = [];
  let validUntil = Infinity;
  for (let i = 0; i < buckets.length; i += 2) {
    periods.push(buckets[i]!);
    validUntil = Math.min(validUntil, Number(buckets[i + 1]));
  }
  const pipeline = redis.pipeline();
  for (const period of periods) pipeline.hgetall(keys.tally(prefix, guildId, period));
  const replies = periods.length === 0 ? [] : ((await pipeline.exec()) ?? []);
  const sums = new Map<string, number>();
  for (const [, hash] of replies) {
    for (const [field, count] of Object.entries((hash ?? {}) as Record<string, string>)) {
      sums.set(field, (sums.get(field) ?? 0) + Number(count));
    }
  }
  const cells: TallyCell[] = [];
  for (const [field, count] of sums) {
    const cell = count > 0 ? parseTallyField(field, count) : null;
    if (cell) cells.push(cell);
  }
  return { cells, version: version ?? "0", validUntil };
}
