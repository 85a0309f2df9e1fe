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
import { votesKey } from "./votes.js";
import type { ComparisonRecord, PromptCategory, VoteChoice, VotedComparison } from "../preferences/types.js";

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

/** How long results other than comparisons are kept (comparisons are preference data: kept until deleted). */
const RESULT_TTL_SECONDS = 30 * 24 * 3600;

const resultKey = (prefix: string, id: string) => `${prefix}:result:${id}`;
const comparisonsKey = (prefix: string, guildId: string | null) => `${prefix}:comparisons:${guildId ?? "dm"}`;
const allComparisonsKey = (prefix: string) => `${prefix}:comparisons`;

/** Whether a job's result is a comparison members can vote on: a /compare pair. */
export function isVotable(job: Pick<GenerationJob, "kind" | "mode">): boolean {
  return job.kind === "compare" && (job.mode ?? "pair") === "pair";
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

/** Stores a result; a votable comparison is also indexed (per guild and overall) and kept without expiry. */
export async function saveResult(redis: Redis, prefix: string, record: ResultRecord): Promise<void> {
  const multi = redis.multi();
  if (isVotable(record)) {
    multi.set(resultKey(prefix, record.id), JSON.stringify(record));
    multi.zadd(comparisonsKey(prefix, record.guildId), record.createdAt, record.id);
    multi.zadd(allComparisonsKey(prefix), record.createdAt, record.id);
  } else {
    multi.set(resultKey(prefix, record.id), JSON.stringify(record), "EX", RESULT_TTL_SECONDS);
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
 * Every stored comparison with its votes: of one guild (null = direct messages), or of all when `scope` is
 * "all". Read in pages, so a large history does not block Redis.
 */
export async function loadVotedComparisons(
  redis: Redis,
  prefix: string,
  scope: { guildId: string | null } | "all",
): Promise<VotedComparison[]> {
  const index = scope === "all" ? allComparisonsKey(prefix) : comparisonsKey(prefix, scope.guildId);
  const ids = await redis.zrange(index, 0, -1);
  const out: VotedComparison[] = [];
  const PAGE = 200;
  for (let start = 0; start < ids.length; start += PAGE) {
    const page = ids.slice(start, start + PAGE);
    const pipeline = redis.pipeline();
    for (const id of page) {
      pipeline.get(resultKey(prefix, id));
      pipeline.hgetall(votesKey(prefix, id));
    }
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < page.length; i++) {
      const raw = replies[2 * i]?.[1] as string | null | undefined;
      const votes = (replies[2 * i + 1]?.[1] ?? {}) as Record<string, VoteChoice>;
      const comparison = raw ? comparisonOf(JSON.parse(raw) as ResultRecord) : null;
      if (comparison) out.push({ record: comparison, votes });
    }
  }
  return out;
}
