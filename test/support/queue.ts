import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { createServer } from "node:net";
import {
  JOB_VERSION,
  openQueue,
  QUEUE_NAME,
  type GenerationJob,
  type GenerationQueue,
  type JobKind,
} from "../../src/shared/jobs.js";
import { TEST_REDIS_URL } from "./redis.js";

/** The generation queue under `prefix`, with its events, on the test Redis. */
export interface TestQueue {
  queue: GenerationQueue;
  events: QueueEvents;
  close(): Promise<void>;
}

/** Opens the queue the workers under `prefix` consume, and its events (to wait for a job to finish). */
export async function openTestQueue(prefix: string): Promise<TestQueue> {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = openQueue(connection, prefix);
  const events = new QueueEvents(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  await events.waitUntilReady();
  return {
    queue,
    events,
    async close() {
      await events.close();
      await queue.close();
      connection.disconnect();
    },
  };
}

let nextInteraction = 0n;

/** A valid job as the gateway would enqueue it, with a fresh interaction id. Temperature 0. */
export function testJob(input: {
  kind: JobKind;
  prompt: string;
  channelId: string;
  guildId?: string | null;
  maxTokens?: number;
}): GenerationJob {
  nextInteraction += 1n;
  return {
    v: JOB_VERSION,
    kind: input.kind,
    prompt: input.prompt,
    sampling: { temperature: 0, maxTokens: input.maxTokens ?? 16, seed: 1 },
    pairId: "default",
    requestedBy: { userId: "100000000000000001", displayName: "Ada" },
    interactionId: String(1_500_000_000_000_000_000n + BigInt(process.pid) * 1_000_000n + nextInteraction),
    target: { guildId: input.guildId ?? null, channelId: input.channelId, outputs: {} },
    createdAt: Date.now(),
  };
}

/** A loopback port with nothing listening on it (now). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Resolves when `jobId` emits `event` on the queue's events (subscribe before the event can happen). */
export function jobEvent(
  events: QueueEvents,
  event: "delayed" | "completed" | "failed" | "active" | "waiting",
  jobId: string,
  timeoutMs = 15_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      events.off(event, listener);
      reject(new Error(`job ${jobId}: no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (args: { jobId: string }) => {
      if (args.jobId !== jobId) return;
      clearTimeout(timer);
      events.off(event, listener);
      resolve();
    };
    events.on(event, listener);
  });
}
