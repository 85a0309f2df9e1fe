import type { Redis } from "ioredis";
import type { VoteChoice } from "../preferences/types.js";

/** The hash of one comparison's votes: member id → choice. */
export const votesKey = (prefix: string, id: string) => `${prefix}:votes:${id}`;

/** Records a member's vote (replacing an earlier one); returns the earlier one, if any. */
export async function castVote(
  redis: Redis,
  prefix: string,
  id: string,
  userId: string,
  choice: VoteChoice,
): Promise<VoteChoice | null> {
  const key = votesKey(prefix, id);
  const replies = await redis.multi().hget(key, userId).hset(key, userId, choice).exec();
  const previous = replies?.[0]?.[1];
  return typeof previous === "string" ? (previous as VoteChoice) : null;
}

/** A member's vote on a comparison, if any. */
export async function voteOf(redis: Redis, prefix: string, id: string, userId: string): Promise<VoteChoice | null> {
  return (await redis.hget(votesKey(prefix, id), userId)) as VoteChoice | null;
}
