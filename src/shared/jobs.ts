import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";

/** The BullMQ queue every gateway writes to and every worker reads from. */
export const QUEUE_NAME = "generate";
/** The job contract's version, carried in every job as `v`. */
export const JOB_VERSION = 1;
/** The longest prompt accepted, in characters (also the options' `max_length`). */
export const MAX_PROMPT_CHARS = 2000;
/** Temperature bounds accepted from users. */
export const TEMPERATURE_RANGE = { min: 0, max: 2 } as const;
/** Seed bounds: an unsigned 32-bit integer, as llama.cpp takes it. */
export const SEED_RANGE = { min: 0, max: 2 ** 32 - 1 } as const;

export const jobKinds = ["compare", "ask", "complete"] as const;
export type JobKind = (typeof jobKinds)[number];
/** The two models of a pair. */
export const modelRoles = ["base", "instruct"] as const;
export type ModelRole = (typeof modelRoles)[number];
/**
 * One output of a job: a model, prompted raw or through the instruct model's chat template. `base` and
 * `instruct` are the usual pair (raw base, templated instruct); the matrix adds the other two.
 */
export const sides = ["base", "baseChat", "instructRaw", "instruct"] as const;
export type Side = (typeof sides)[number];
export const compareModes = ["pair", "matrix"] as const;
export type CompareMode = (typeof compareModes)[number];

/** The model a side runs on. */
export function modelOf(side: Side): ModelRole {
  return side === "base" || side === "baseChat" ? "base" : "instruct";
}

/** Whether a side's prompt goes through the instruct model's chat template. */
export function isTemplated(side: Side): boolean {
  return side === "baseChat" || side === "instruct";
}

/** Which sides a job generates, in display order (a blind comparison's shuffled order included). */
export function sidesOf(job: Pick<GenerationJob, "kind" | "mode" | "order">): readonly Side[] {
  if (job.kind === "compare") {
    if (job.mode === "matrix") return ["base", "baseChat", "instructRaw", "instruct"];
    return job.order ?? ["base", "instruct"];
  }
  return job.kind === "ask" ? ["instruct"] : ["base"];
}

/** The most earlier turns a conversation job carries. */
export const MAX_HISTORY_TURNS = 50;

const snowflake = z.string().regex(/^\d{1,20}$/);

export const samplingSchema = z.object({
  temperature: z.number().min(TEMPERATURE_RANGE.min).max(TEMPERATURE_RANGE.max),
  maxTokens: z.number().int().min(1).max(8192),
  seed: z.number().int().min(SEED_RANGE.min).max(SEED_RANGE.max),
});
export type Sampling = z.infer<typeof samplingSchema>;

const outputIds = z.array(snowflake);

export const generationJobSchema = z.object({
  v: z.literal(JOB_VERSION),
  kind: z.enum(jobKinds),
  prompt: z.string().min(1).max(MAX_PROMPT_CHARS),
  sampling: samplingSchema,
  pairId: z.string().min(1),
  requestedBy: z.object({ userId: snowflake, displayName: z.string() }),
  interactionId: snowflake,
  target: z.object({
    guildId: snowflake.nullable(),
    /** The thread (or, where none could be opened, the channel) the outputs go to. */
    channelId: snowflake,
    /** Message ids per side, in order, as the worker posts them (kept so a retry edits the same ones). */
    outputs: z.object({
      base: outputIds.optional(),
      baseChat: outputIds.optional(),
      instructRaw: outputIds.optional(),
      instruct: outputIds.optional(),
      /** The message under the outputs: the chart, the exact-prompts button and the vote buttons. */
      footer: outputIds.optional(),
    }),
    /** The request's header (the command's reply, with the Stop button): where it is. */
    header: z.object({ channelId: snowflake, messageId: snowflake }).optional(),
  }),
  createdAt: z.number().int(),
  /** compare: the usual pair, or the 2x2 matrix of models and templates. Absent = pair. */
  mode: z.enum(compareModes).optional(),
  /** compare (pair): the sides are shown as A and B in this order, without model names, until a member votes. */
  blind: z.boolean().optional(),
  /** compare (pair): which side is A and which is B. Absent = base first. */
  order: z
    .union([z.tuple([z.literal("base"), z.literal("instruct")]), z.tuple([z.literal("instruct"), z.literal("base")])])
    .optional(),
  /** complete: wrap the text in a Q:/A: few-shot scaffold and stop at the next "Q:". */
  fewShot: z.boolean().optional(),
  /** ask: the earlier turns of the conversation in this thread, oldest first. */
  history: z
    .array(z.object({ prompt: z.string(), answer: z.string() }))
    .max(MAX_HISTORY_TURNS)
    .optional(),
  /** ask: how many turns before `history` were already left out (too long to carry). */
  omittedTurns: z.number().int().min(0).optional(),
  /** What each side had generated when the last attempt failed (shown if a member stops the retry). */
  partial: z.partialRecord(z.enum(sides), z.object({ text: z.string(), tokens: z.number().int().min(0) })).optional(),
});
/** An earlier exchange of a conversation: what the member asked and what the instruct model answered. */
export interface Turn {
  prompt: string;
  answer: string;
}

/** One generation request as it travels through the queue. Holds ids, never secrets or tokens. */
export type GenerationJob = z.infer<typeof generationJobSchema>;

/** Stats of one finished side, as the worker returns them. */
export interface SideResult {
  text: string;
  tokens: number;
  stopReason: StopReason;
  timeToFirstTokenMs: number | null;
  durationMs: number;
  /** The text of the end-of-turn token the model emitted, when it ended its turn. */
  endToken?: string;
  /** The stop sequence that ended it, when one did. */
  stopSequence?: string;
  /** Exactly what the model saw (special tokens included) and how many tokens that was. */
  input?: PromptSeen;
  /** ask: earlier turns of the conversation left out because they no longer fit the context. */
  droppedTurns?: number;
  /** The likeliest next tokens right after the input (temperature 1, nothing cut off), when the run asked for them. */
  nextTokens?: { text: string; probability: number }[];
  /** Tokens the model evaluated for this side: the input once, then each generated token. */
  evaluatedTokens?: number;
  /** `max_tokens` lowered because the input left less room in the model's context: what it ran with. */
  maxTokensCapped?: { maxTokens: number; contextSize: number };
}

/** The exact input of one side. */
export interface PromptSeen {
  /** The input detokenized with its special tokens written out. */
  text: string;
  tokens: number;
  /** Each special token in the input and how often it occurs, in order of first use. */
  specialTokens: { text: string; count: number }[];
  /** Whether it went through a chat template, and which. */
  template: string | null;
  /**
   * The input in order: each special token (put there by the chat template or the tokenizer) on its own, and the
   * plain text between them. Joined, they make `text`. Absent from results stored before it existed.
   */
  parts?: { text: string; special: boolean }[];
  /**
   * Plain text in the input that reads like a special token, e.g. a member typing "<|im_start|>": the model saw those
   * characters, not the token. Absent from results stored before it existed.
   */
  lookAlikes?: { text: string; count: number }[];
}
export type StopReason = "endOfTurn" | "tokenLimit" | "stopSequence" | "aborted";
export type GenerationResult = Partial<Record<Side, SideResult>>;

/** The queue's job id for an interaction: the same interaction can never make two jobs. */
export function jobIdFor(interactionId: string): string {
  return `ix-${interactionId}`;
}

/** Parses job data read from the queue; throws a ZodError naming what is wrong. */
export function parseJob(data: unknown): GenerationJob {
  return generationJobSchema.parse(data);
}

/** The most failed jobs the queue keeps (the oldest go first), besides keeping none longer than 7 days. */
export const FAILED_JOBS_KEPT = 2_000;

/** Retry and retention policy for generation jobs. */
export const jobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 5_000 },
  // Failed jobs hold prompts and errors: kept for a week to look into, and never more than a few thousand.
  removeOnFail: { age: 7 * 24 * 3600, count: FAILED_JOBS_KEPT },
};

/** Opens the generation queue on a connection. */
export function openQueue(connection: ConnectionOptions, prefix: string): GenerationQueue {
  return new Queue<GenerationJob, GenerationResult>(QUEUE_NAME, { connection, prefix });
}

export type GenerationQueue = Queue<GenerationJob, GenerationResult>;

/** Validates and adds a job; a job with the same interaction id is never added twice. */
export async function enqueue(queue: GenerationQueue, job: GenerationJob): Promise<void> {
  const data = parseJob(job);
  await queue.add(data.kind, data, { ...jobOptions, jobId: jobIdFor(data.interactionId) });
}

/** How many jobs wait for a worker right now. */
export function waitingCount(queue: GenerationQueue): Promise<number> {
  return queue.getWaitingCount();
}
