import type { Redis } from "ioredis";
import type { StopReason } from "../../src/shared/jobs.js";
import { categorizePrompt } from "../../src/shared/preferences/categories.js";
import type { VoteChoice } from "../../src/shared/preferences/types.js";
import { saveResult, type ResultRecord, type StoredSide } from "../../src/shared/store/results.js";
import { DEFAULT_RETENTION, type Retention } from "../../src/shared/store/retention.js";
import { castVote } from "../../src/shared/store/votes.js";

/** What a stored comparison is made of in tests; everything has a default. */
export interface ComparisonSpec {
  id?: string;
  guildId?: string | null;
  requestedBy?: string;
  blind?: boolean;
  /** Side A first. Default: base then instruct. */
  order?: ["base", "instruct"] | ["instruct", "base"];
  prompt?: string;
  models?: { base: string; instruct: string };
  texts?: { base: string; instruct: string };
  stopReasons?: { base: StopReason; instruct: StopReason };
  createdAt?: number;
  /** A realistic size: the exact prompts each side was given, as the worker stores them. */
  withInputs?: boolean;
}

let next = 0;

/** A finished /compare pair as the worker stores it, with the side stats it keeps. */
export function comparisonRecord(spec: ComparisonSpec = {}): ResultRecord {
  const models = spec.models ?? { base: "tiny-base", instruct: "tiny-instruct" };
  const texts = spec.texts ?? {
    base: " Paris is the capital of France Paris is",
    instruct: "The capital of France is Paris.",
  };
  const stops = spec.stopReasons ?? { base: "tokenLimit", instruct: "endOfTurn" };
  const prompt = spec.prompt ?? "What is the capital of France?";
  const side = (role: "base" | "instruct"): StoredSide => ({
    role,
    model: models[role],
    text: texts[role],
    tokens: Math.max(1, Math.round(texts[role].length / 4)),
    stopReason: stops[role],
    ...(role === "instruct" && stops.instruct === "endOfTurn" ? { endToken: "<|im_end|>" } : {}),
    input: spec.withInputs
      ? {
          text:
            role === "base"
              ? prompt
              : `<|im_start|>system\nYou are a helpful assistant. Answer concisely.<|im_end|>\n<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n`,
          tokens: role === "base" ? 8 : 30,
          specialTokens: role === "base" ? [] : [{ text: "<|im_start|>", count: 3 }],
          template: role === "base" ? null : "ChatML",
        }
      : null,
    durationMs: 400,
    timeToFirstTokenMs: 35,
  });
  const createdAt = spec.createdAt ?? Date.now();
  next += 1;
  return {
    id: spec.id ?? `ix-${createdAt}${String(next).padStart(6, "0")}`,
    kind: "compare",
    mode: "pair",
    blind: spec.blind ?? false,
    order: spec.order ?? ["base", "instruct"],
    guildId: spec.guildId === undefined ? "100000000000000001" : spec.guildId,
    channelId: "100000000000000002",
    requestedBy: spec.requestedBy ?? "200000000000000001",
    prompt,
    fewShot: false,
    category: categorizePrompt(prompt),
    systemPrompt: "You are a helpful assistant. Answer concisely.",
    sampling: { temperature: 0.7, maxTokens: 256, seed: 42 },
    createdAt,
    finishedAt: createdAt + 1000,
    sides: { base: side("base"), instruct: side("instruct") },
  };
}

/** Stores comparisons and their votes through the real stores (`votes[i]`: voter id → choice on comparison i). */
export async function storeComparisons(
  redis: Redis,
  prefix: string,
  records: readonly ResultRecord[],
  votes: readonly Readonly<Record<string, VoteChoice>>[] = [],
  retention: Retention = DEFAULT_RETENTION,
): Promise<void> {
  for (const [i, record] of records.entries()) {
    await saveResult(redis, prefix, record, retention);
    for (const [voter, choice] of Object.entries(votes[i] ?? {})) {
      await castVote(redis, prefix, record, voter, choice, retention);
    }
  }
}
