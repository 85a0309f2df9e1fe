import type { Redis } from "ioredis";
import { MAX_HISTORY_TURNS, type Turn } from "../jobs.js";

/** How long an idle conversation is remembered. */
const CONVERSATION_TTL_SECONDS = 30 * 24 * 3600;

const conversationKey = (prefix: string, channelId: string) => `${prefix}:conversation:${channelId}`;

/** Adds a finished exchange to the conversation in a channel (a thread), keeping as many turns as a job carries. */
export async function appendTurn(redis: Redis, prefix: string, channelId: string, turn: Turn): Promise<void> {
  const key = conversationKey(prefix, channelId);
  await redis
    .multi()
    .rpush(key, JSON.stringify(turn))
    .ltrim(key, -MAX_HISTORY_TURNS, -1)
    .expire(key, CONVERSATION_TTL_SECONDS)
    .exec();
}

/** The conversation in a channel so far, oldest first; empty when there is none. */
export async function loadConversation(redis: Redis, prefix: string, channelId: string): Promise<Turn[]> {
  const raw = await redis.lrange(conversationKey(prefix, channelId), 0, -1);
  return raw.map((item) => JSON.parse(item) as Turn);
}
