import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  JOB_VERSION,
  jobIdFor,
  openQueue,
  QUEUE_NAME,
  type GenerationJob,
  type GenerationQueue,
} from "../../src/jobs.js";
import { startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord } from "../support/fake-discord/index.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { BASE_PATHS } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let workers: RunningBot[] = [];
let connection: Redis;
let queue: GenerationQueue;
let events: QueueEvents;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  // Two workers, one job at a time each, on one Redis and one queue prefix.
  const config = testConfig(fake, models, { WORKER_CONCURRENCY: "1" });
  workers = [await startBot(config, { gateway: false }), await startBot(config, { gateway: false })];
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = openQueue(connection, config.redis.prefix);
  events = new QueueEvents(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix: config.redis.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await events?.close();
  await queue?.close();
  for (const worker of workers) await worker.close();
  connection?.disconnect();
  await fake?.close();
  await models?.cleanup();
});

it("two workers on one Redis share the load; every job runs exactly once", async () => {
  const guild = fake.createGuild();
  const parent = fake.createChannel(guild.id);
  const jobs = await Promise.all(
    Array.from({ length: 8 }, (_, i) => {
      const thread = fake.createThread(parent.id, { name: `job ${i}` });
      const data: GenerationJob = {
        v: JOB_VERSION,
        kind: "complete",
        prompt: BASE_PATHS.code.prompt,
        sampling: { temperature: 0, maxTokens: 64, seed: 1 },
        pairId: "default",
        requestedBy: { userId: "100000000000000001", displayName: "Ada" },
        interactionId: String(1_600_000_000_000_000_000n + BigInt(i)),
        target: { guildId: guild.id, channelId: thread.id, outputs: {} },
        createdAt: Date.now(),
      };
      return queue.add("complete", data, { jobId: jobIdFor(data.interactionId) });
    }),
  );
  await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 30_000)));
  const finished = await Promise.all(jobs.map((job) => queue.getJob(job.id ?? "")));
  const byWorker = new Map<string, number>();
  for (const job of finished) byWorker.set(job?.processedBy ?? "?", (byWorker.get(job?.processedBy ?? "?") ?? 0) + 1);
  expect(byWorker.size).toBe(2);
  for (const count of byWorker.values()) expect(count).toBeGreaterThanOrEqual(1);
  expect(finished.every((job) => job?.attemptsMade === 1 || job?.attemptsMade === 0)).toBe(true);
  // Each job wrote its own thread once: no job ran twice.
  for (const job of finished) {
    const messages = fake.messages(job?.data.target.channelId ?? "");
    expect(messages.length).toBe(job?.data.target.outputs.base?.length);
  }
});
