import type { Redis } from "ioredis";
import { countConversations, purgeConversations } from "./conversations.js";
import { keys } from "./keys.js";

/** What an admin may purge: everything, only the votes (the leaderboard starts over), or only conversations. */
export type PurgeScope = "everything" | "votes" | "conversations";

/** How much a guild has stored (or how much a purge deleted). */
export interface GuildDataCounts {
  /** Results: comparisons and answers with their exact prompts. */
  results: number;
  votes: number;
  conversations: number;
}

const PAGE = 500;

/** Runs `each` on the members of a sorted set, a page at a time. */
async function forPages(redis: Redis, key: string, each: (ids: string[]) => Promise<void>): Promise<void> {
  const ids = await redis.zrange(key, 0, -1);
  for (let start = 0; start < ids.length; start += PAGE) await each(ids.slice(start, start + PAGE));
}

/** Counts what a guild (null = direct messages) has stored now: results, votes and conversations. */
export async function countGuildData(
  redis: Redis,
  prefix: string,
  guildId: string | null,
  now = Date.now(),
): Promise<GuildDataCounts> {
  const results = await redis.zcount(keys.guildResults(prefix, guildId), `(${now}`, "+inf");
  let votes = 0;
  await forPages(redis, keys.guildVotable(prefix, guildId), async (ids) => {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hlen(keys.votes(prefix, id));
    for (const [, n] of (await pipeline.exec()) ?? []) votes += Number(n);
  });
  return { results, votes, conversations: await countConversations(redis, prefix, guildId, now) };
}

/** Deletes every vote of a guild and its whole tally: the leaderboard starts over. */
async function purgeVotes(redis: Redis, prefix: string, guildId: string | null): Promise<number> {
  let votes = 0;
  await forPages(redis, keys.guildVotable(prefix, guildId), async (ids) => {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hlen(keys.votes(prefix, id)).del(keys.votes(prefix, id));
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i += 2) votes += Number(replies[i]?.[1]);
  });
  const buckets = keys.tallyBuckets(prefix, guildId);
  const periods = await redis.zrange(buckets, 0, -1);
  const multi = redis.multi();
  for (const period of periods) multi.del(keys.tally(prefix, guildId, period));
  await multi.del(buckets).incr(keys.tallyVersion(prefix, guildId)).exec();
  return votes;
}

/**
 * Deletes a guild's stored data (null = direct messages): `everything` (results, votes with the leaderboard, and
 * conversations), only `votes`, or only `conversations`. Resolves to what was deleted.
 */
export async function purgeGuild(
  redis: Redis,
  prefix: string,
  guildId: string | null,
  scope: PurgeScope,
): Promise<GuildDataCounts> {
  const counts: GuildDataCounts = { results: 0, votes: 0, conversations: 0 };
  if (scope === "conversations" || scope === "everything") {
    counts.conversations = await purgeConversations(redis, prefix, guildId);
  }
  if (scope === "conversations") return counts;
  counts.votes = await purgeVotes(redis, prefix, guildId);
  if (scope === "votes") return counts;
  await forPages(redis, keys.guildResults(prefix, guildId), async (ids) => {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.del(keys.result(prefix, id));
    pipeline.zrem(keys.allVotable(prefix), ...ids);
    const replies = (await pipeline.exec()) ?? [];
    for (const [, n] of replies.slice(0, ids.length)) counts.results += Number(n);
  });
  await redis.del(keys.guildResults(prefix, guildId), keys.guildVotable(prefix, guildId));
  return counts;
}
