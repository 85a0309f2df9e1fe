import type { Redis } from "ioredis";
import { MAX_HISTORY_TURNS, type Turn } from "../jobs.js";
import { keys } from "./keys.js";
import { DEFAULT_RETENTION, longestRetention, type Retention } from "./retention.js";

/** Who sent an exchange, and where: what /forget-me and the admins' purge find conversations by. */
export interface TurnAuthor {
  userId: string;
  guildId: string | null;
}

/**
 * Adds a finished exchange to the conversation in a channel (a thread), keeping as many turns as a job carries.
 * The conversation is forgotten `retention.conversationMs` after its last exchange. With `author`, the turn
 * remembers who sent it, the first author is kept as the one who started the conversation, and the conversation is
 * filed under the member and the guild. A turn with an `id` (the job it came from) is added once: a second append
 * of the same id (a worker that lost its job to another, say) changes nothing.
 */
export async function appendTurn(
  redis: Redis,
  prefix: string,
  channelId: string,
  turn: Turn & { id?: string },
  author?: TurnAuthor,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<void> {
  const key = keys.conversation(prefix, channelId);
  const expireAt = now + retention.conversationMs;
  if (turn.id !== undefined) {
    const first = await redis.set(keys.turnAdded(prefix, turn.id), "1", "PX", retention.conversationMs, "NX");
    if (first === null) return;
  }
  const stored = author
    ? { prompt: turn.prompt, answer: turn.answer, userId: author.userId }
    : { prompt: turn.prompt, answer: turn.answer };
  const multi = redis
    .multi()
    .rpush(key, JSON.stringify(stored))
    .ltrim(key, -MAX_HISTORY_TURNS, -1)
    .pexpireat(key, expireAt);
  if (author) {
    const starter = keys.conversationStarter(prefix, channelId);
    multi.set(starter, author.userId, "NX").pexpireat(starter, expireAt);
    const indexUntil = now + longestRetention(retention);
    for (const index of [
      keys.userConversations(prefix, author.userId),
      keys.guildConversations(prefix, author.guildId),
    ]) {
      multi.zremrangebyscore(index, "-inf", now).zadd(index, expireAt, channelId).pexpireat(index, indexUntil);
    }
  }
  await multi.exec();
}

/** The conversation in a channel so far, oldest first; empty when there is none. */
export async function loadConversation(redis: Redis, prefix: string, channelId: string): Promise<Turn[]> {
  const raw = await redis.lrange(keys.conversation(prefix, channelId), 0, -1);
  return raw.map((item) => {
    const { prompt, answer } = JSON.parse(item) as Turn;
    return { prompt, answer };
  });
}

// Removes one member's turns from a conversation, keeping the others' in order and the expiry.
const REMOVE_TURNS = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local kept, removed = {}, 0
for _, item in ipairs(items) do
  local ok, turn = pcall(cjson.decode, item)
  if ok and type(turn) == 'table' and turn.userId == ARGV[1] then removed = removed + 1 else table.insert(kept, item) end
end
if removed > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  if #kept > 0 then
    redis.call('RPUSH', KEYS[1], unpack(kept))
    if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
  end
end
return removed
`;

/**
 * Forgets a member's conversations: every /ask thread they started loses its whole memory (the bot no longer knows
 * what was said there), and their own exchanges leave the threads others started. Resolves to the number of threads
 * forgotten and of the member's exchanges removed from other threads.
 */
export async function forgetConversations(
  redis: Redis,
  prefix: string,
  userId: string,
  now = Date.now(),
): Promise<{ conversations: number; turns: number }> {
  const index = keys.userConversations(prefix, userId);
  const channels = await redis.zrangebyscore(index, `(${now}`, "+inf");
  let conversations = 0;
  let turns = 0;
  for (const channelId of channels) {
    const list = keys.conversation(prefix, channelId);
    const starter = keys.conversationStarter(prefix, channelId);
    if ((await redis.get(starter)) === userId) {
      if ((await redis.del(list, starter)) > 0) conversations += 1;
    } else {
      turns += (await redis.eval(REMOVE_TURNS, 1, list, userId)) as number;
    }
  }
  await redis.del(index);
  return { conversations, turns };
}

/** Forgets every conversation of a guild (null = direct messages); resolves to how many there were. */
export async function purgeConversations(redis: Redis, prefix: string, guildId: string | null): Promise<number> {
  const index = keys.guildConversations(prefix, guildId);
  const channels = await redis.zrange(index, 0, -1);
  let deleted = 0;
  for (let start = 0; start < channels.length; start += 500) {
    const page = channels.slice(start, start + 500);
    const pipeline = redis.pipeline();
    for (const channelId of page) {
      pipeline.del(keys.conversation(prefix, channelId));
      pipeline.del(keys.conversationStarter(prefix, channelId));
    }
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i += 2) if (Number(replies[i]?.[1]) > 0) deleted += 1;
  }
  await redis.del(index);
  return deleted;
}

/** How many conversations a guild has stored now. */
export function countConversations(
  redis: Redis,
  prefix: string,
  guildId: string | null,
  now = Date.now(),
): Promise<number> {
  return redis.zcount(keys.guildConversations(prefix, guildId), `(${now}`, "+inf");
}
