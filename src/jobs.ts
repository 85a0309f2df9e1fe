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
export const sides = ["base", "instruct"] as const;
export type Side = (typeof sides)[number];

/** Which sides a kind of job generates, in display order. */
export function sidesOf(kind: JobKind): readonly Side[] {
  if (kind === "compare") return sides;
  return kind === "ask" ? ["instruct"] : ["base"];
}

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
    outputs: z.object({ base: outputIds.optional(), instruct: outputIds.optional() }),
  }),
  createdAt: z.number().int(),
});
/** One generation request as it travels through the queue. Holds ids, never secrets or tokens. */
export type GenerationJob = z.infer<typeof generationJobSchema>;

/** Stats of one finished side, as the worker returns them. */
export interface SideResult {
  text: string;
  tokens: number;
  stopReason: StopReason;
  timeToFirstTokenMs: number | null;
  durationMs: number;
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

/** Retry and retention policy for generation jobs. */
export const jobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
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
