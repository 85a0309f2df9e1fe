import type { Redis } from "ioredis";
import { forgetConversations } from "./conversations.js";
import { keys } from "./keys.js";
import { isVotable, loadResult } from "./results.js";
import { DEFAULT_RETENTION, type Retention } from "./retention.js";
import { removeVote } from "./votes.js";

/** What /forget-me deleted. */
export interface ForgottenCounts {
  /** The member's votes, on anyone's comparisons. */
  votes: number;
  /** The results the member asked for (comparisons and answers, with their exact prompts). */
  results: number;
  /** Other members' votes on the member's comparisons, deleted with them. */
  othersVotes: number;
  /** /ask threads the member started, whose whole memory was deleted. */
  conversations: number;
  /** The member's exchanges removed from /ask threads others started. */
  turns: number;
}

/**
 * Deletes everything stored about a member, in every server: their votes (the leaderboard loses them at once), the
 * results they asked for (a comparison goes with everyone's votes on it), and their conversations (see
 * {@link forgetConversations}). Messages already posted in Discord stay: they are Discord's, not the bot's store.
 */
export async function forgetMember(
  redis: Redis,
  prefix: string,
  userId: string,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<ForgottenCounts> {
  const counts: ForgottenCounts = { votes: 0, results: 0, othersVotes: 0, conversations: 0, turns: 0 };
  const voteIndex = keys.userVotes(prefix, userId);
  for (const id of await redis.zrange(voteIndex, 0, -1)) {
    const record = await loadResult(redis, prefix, id);
    if (record && isVotable(record)) {
      if (await removeVote(redis, prefix, record, userId, retention, now)) counts.votes += 1;
    } else if ((await redis.hdel(keys.votes(prefix, id), userId)) > 0) {
      counts.votes += 1;
    }
  }
  await redis.del(voteIndex);

  const resultIndex = keys.userResults(prefix, userId);
  for (const id of await redis.zrange(resultIndex, 0, -1)) {
    const record = await loadResult(redis, prefix, id);
    if (record === null) continue;
    if (isVotable(record)) {
      for (const voter of await redis.hkeys(keys.votes(prefix, id))) {
        if (await removeVote(redis, prefix, record, voter, retention, now)) counts.othersVotes += 1;
      }
    }
    const [[, deleted] = []] =
      (await redis
        .multi()
        .del(keys.result(prefix, id), keys.votes(prefix, id))
        .zrem(keys.guildResults(prefix, record.guildId), id)
        .zrem(keys.guildVotable(prefix, record.guildId), id)
        .zrem(keys.allVotable(prefix), id)
        .exec()) ?? [];
    if (Number(deleted) > 0) counts.results += 1;
  }
  await redis.del(resultIndex);

  const conversations = await forgetConversations(redis, prefix, userId, now);
  return { ...counts, ...conversations };
}
