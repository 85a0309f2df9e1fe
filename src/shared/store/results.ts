import type { Redis } from "ioredis";
import {
  type CompareMode,
  type GenerationJob,
  type JobKind,
  type ModelRole,
  type PromptSeen,
  type Sampling,
  type Side,
  type StopReason,
} from "../jobs.js";
import { categorizePrompt } from "../preferences/categories.js";
import { decodeVote } from "../preferences/tally.js";
import type { ComparisonRecord, PromptCategory, VoteChoice, VotedComparison } from "../preferences/types.js";
import { keys } from "./keys.js";
import { DEFAULT_RETENTION, longestRetention, resultExpiry, voteExpiry, type Retention } from "./retention.js";

/** One finished side as stored: enough to show its exact prompt, explain it, and use it as preference data. */
export interface StoredSide {
  role: ModelRole;
  model: string;
  text: string;
  tokens: number;
  stopReason: StopReason;
  endToken?: string;
  stopSequence?: string;
  input: PromptSeen | null;
  droppedTurns?: number;
  /** Generation time and time to first token (absent in results stored before they were kept). */
  durationMs?: number;
  timeToFirstTokenMs?: number | null;
}

/** A finished job, written by the worker that finished it. */
export interface ResultRecord {
  id: string;
  kind: JobKind;
  mode: CompareMode;
  blind: boolean;
  /** The sides in display order (A then B for a comparison). */
  order: Side[];
  guildId: string | null;
  channelId: string;
  requestedBy: string;
  /** The prompt as the member typed it. */
  prompt: string;
  fewShot: boolean;
  category: PromptCategory;
  systemPrompt: string;
  sampling: Sampling;
  createdAt: number;
  finishedAt: number;
  sides: Partial<Record<Side, StoredSide>>;
}

const resultKey = keys.result;
/** Whether a job's result is a comparison members can vote on: a /compare pair. */
export function isVotable(job: Pick<GenerationJob, "kind" | "mode">): boolean {
  return job.kind === "compare" && (job.mode ?? "pair") === "pair";
}

/** Whether a member pressed Stop on a result (a side ended "aborted"). */
export function wasStopped(record: Pick<ResultRecord, "sides">): boolean {
  return Object.values(record.sides).some((side) => side.stopReason === "aborted");
}

/** Why members may not vote on a result, or null when they may: a /compare pair that ran to its end, still kept. */
export function voteRefusal(
  record: ResultRecord,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): "notComparison" | "stopped" | "tooOld" | null {
  if (!isVotable(record)) return "notComparison";
  if (wasStopped(record)) return "stopped";
  return voteExpiry(record.createdAt, retention) <= now ? "tooOld" : null;
}

/** Builds the record of a finished job. */
export function resultRecord(
  id: string,
  job: GenerationJob,
  order: readonly Side[],
  sides: Partial<Record<Side, StoredSide>>,
  systemPrompt: string,
): ResultRecord {
  return {
    id,
    kind: job.kind,
    mode: job.mode ?? "pair",
    blind: job.blind ?? false,
    order: [...order],
    guildId: job.target.guildId,
    channelId: job.target.channelId,
    requestedBy: job.requestedBy.userId,
    prompt: job.prompt,
    fewShot: job.fewShot ?? false,
    category: categorizePrompt(job.prompt),
    systemPrompt,
    sampling: job.sampling,
    createdAt: job.createdAt,
    finishedAt: Date.now(),
    sides,
  };
}

/**
 * Stores a result until `retention.resultMs` after it was asked for (a vote keeps a comparison longer), and files it
 * under its guild and its requester (for /forget-me and the admins' purge) and, for a comparison members may vote
 * on, under the votable comparisons. Expired entries leave the indexes as new ones arrive.
 */
export async function saveResult(
  redis: Redis,
  prefix: string,
  record: ResultRecord,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<void> {
  const expireAt = resultExpiry(record.createdAt, retention);
  if (expireAt <= now) return;
  // Clocks differ between machines: an index outlives its latest entry, whoever wrote it.
  const indexUntil = Math.max(now + longestRetention(retention), expireAt);
  const multi = redis.multi();
  multi.set(resultKey(prefix, record.id), JSON.stringify(record), "PXAT", expireAt);
  const indexes = [keys.guildResults(prefix, record.guildId), keys.userResults(prefix, record.requestedBy)];
  if (isVotable(record) && !wasStopped(record)) {
    indexes.push(keys.guildVotable(prefix, record.guildId), keys.allVotable(prefix));
  }
  for (const index of indexes) {
    multi.zremrangebyscore(index, "-inf", now);
    multi.zadd(index, expireAt, record.id);
    multi.pexpireat(index, indexUntil);
  }
  await multi.exec();
}

/** A stored result, or null when there is none (never finished, or expired). */
export async function loadResult(redis: Redis, prefix: string, id: string): Promise<ResultRecord | null> {
  const raw = await redis.get(resultKey(prefix, id));
  return raw === null ? null : (JSON.parse(raw) as ResultRecord);
}

/** A comparison as members saw it, A and B in display order; null if a side is missing. */
export function comparisonOf(record: ResultRecord): ComparisonRecord | null {
  const [a, b] = record.order;
  const sideA = a === undefined ? undefined : record.sides[a];
  const sideB = b === undefined ? undefined : record.sides[b];
  if (!sideA || !sideB) return null;
  const compared = (label: "A" | "B", side: StoredSide) => ({
    label,
    role: side.role,
    model: side.model,
    text: side.text,
    stopReason: side.stopReason,
  });
  return {
    id: record.id,
    guildId: record.guildId,
    channelId: record.channelId,
    prompt: record.prompt,
    category: record.category,
    createdAt: record.createdAt,
    blind: record.blind,
    sampling: record.sampling,
    systemPrompt: record.systemPrompt,
    sides: [compared("A", sideA), compared("B", sideB)],
  };
}

/**
 * Every stored comparison members could vote on, with its votes, oldest first: of one guild (null = direct
 * messages), or of all when `scope` is "all". Read in pages, so a large history does not block Redis.
 */
export async function loadVotedComparisons(
  redis: Redis,
  prefix: string,
  scope: { guildId: string | null } | "all",
  now = Date.now(),
): Promise<VotedComparison[]> {
  const index = scope === "all" ? keys.allVotable(prefix) : keys.guildVotable(prefix, scope.guildId);
  const ids = await redis.zrangebyscore(index, `(${now}`, "+inf");
  const out: VotedComparison[] = [];
  const PAGE = 200;
  for (let start = 0; start < ids.length; start += PAGE) {
    const page = ids.slice(start, start + PAGE);
    const pipeline = redis.pipeline();
    for (const id of page) {
      pipeline.get(resultKey(prefix, id));
      pipeline.hgetall(keys.votes(prefix, id));
    }
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < page.length; i++) {
      const raw = replies[2 * i]?.[1] as string | null | undefined;
      const stored = (replies[2 * i + 1]?.[1] ?? {}) as Record<string, string>;
      const comparison = raw ? comparisonOf(JSON.parse(raw) as ResultRecord) : null;
      if (!comparison) continue;
      const votes: Record<string, VoteChoice> = {};
      const seen: string[] = [];
      for (const [userId, value] of Object.entries(stored)) {
        const vote = decodeVote(value);
        votes[userId] = vote.choice;
        if (vote.seen) seen.push(userId);
      }
      out.push({ record: comparison, votes, ...(seen.length > 0 ? { seen } : {}) });
    }
  }
  return out.sort((a, b) => a.record.createdAt - b.record.createdAt);
}
