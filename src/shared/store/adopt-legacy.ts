import type { Redis } from "ioredis";
import { keys } from "./keys.js";
import { isVotable, loadResult, wasStopped } from "./results.js";
import { DEFAULT_RETENTION, longestRetention, resultExpiry, voteExpiry, type Retention } from "./retention.js";
import { countStoredVotes } from "./votes.js";

/** Where versions before the retention settings listed comparisons (kept forever); per guild under `:<guild>`. */
const legacyIndex = (prefix: string) => `${prefix}:comparisons`;

/**
 * Brings comparisons stored by earlier versions (no expiry, no tally) under the retention settings, once: a
 * comparison past its retention is deleted; one with votes is counted into its guild's tally and kept until the
 * vote retention ends; one without until the result retention ends. Returns how many it looked at (0 when there
 * is nothing left to adopt, or another process is at it). Cheap when done: one EXISTS.
 */
export async function adoptLegacyComparisons(
  redis: Redis,
  prefix: string,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<number> {
  if ((await redis.exists(legacyIndex(prefix))) === 0) return 0;
  const lock = `${prefix}:adopting-legacy`;
  if ((await redis.set(lock, "1", "EX", 600, "NX")) === null) return 0;
  try {
    const ids = await redis.zrange(legacyIndex(prefix), 0, -1);
    for (const id of ids) {
      const record = await loadResult(redis, prefix, id);
      // Each comparison leaves the old list as it is adopted: a second run never counts it twice.
      if (record === null) {
        await redis.zrem(legacyIndex(prefix), id);
        continue;
      }
      const voters = await redis.hkeys(keys.votes(prefix, id));
      const counted = voters.length > 0 && isVotable(record) && !wasStopped(record);
      const expireAt = counted ? voteExpiry(record.createdAt, retention) : resultExpiry(record.createdAt, retention);
      if (expireAt <= now) {
        await redis.multi().del(keys.result(prefix, id), keys.votes(prefix, id)).zrem(legacyIndex(prefix), id).exec();
        continue;
      }
      const indexUntil = Math.max(now + longestRetention(retention), expireAt);
      const multi = redis.multi().zrem(legacyIndex(prefix), id).pexpireat(keys.result(prefix, id), expireAt);
      const indexes = [keys.guildResults(prefix, record.guildId), keys.userResults(prefix, record.requestedBy)];
      if (counted) {
        indexes.push(keys.guildVotable(prefix, record.guildId), keys.allVotable(prefix));
        for (const voter of voters) indexes.push(keys.userVotes(prefix, voter));
      } else {
        multi.del(keys.votes(prefix, id)); // votes on a stopped comparison count nowhere
      }
      for (const index of indexes) multi.zadd(index, expireAt, id).pexpireat(index, indexUntil);
      await multi.exec();
      if (counted) await countStoredVotes(redis, prefix, record, retention, now);
    }
    // The per-guild lists too, also of guilds whose comparisons are all gone.
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${legacyIndex(prefix)}:*`, "COUNT", 500);
      cursor = next;
      if (found.length > 0) await redis.del(...found);
    } while (cursor !== "0");
    await redis.del(legacyIndex(prefix));
    return ids.length;
  } finally {
    await redis.del(lock);
  }
}
