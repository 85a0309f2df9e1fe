import { afterAll, beforeAll, expect, it } from "vitest";
import { jobIdFor, type GenerationQueue } from "../../src/shared/jobs.js";
import { startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord } from "../support/fake-discord/index.js";
import { openTestQueue, testJob, type TestQueue } from "../support/queue.js";
import { BASE_PATHS } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let workers: RunningBot[] = [];
let testQueue: TestQueue;
let queue: GenerationQueue;
let events: TestQueue["events"];

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  // Two workers, one job at a time each, on one Redis and one queue prefix.
  const config = testConfig(fake, models, { WORKER_CONCURRENCY: "1" });
  workers = [await startBot(config, { gateway: false }), await startBot(config, { gateway: false })];
  testQueue = await openTestQueue(config.redis.prefix);
  ({ queue, events } = testQueue);
});

afterAll(async () => {
  await testQueue?.close();
  for (const worker of workers) await worker.close();
  await fake?.close();
  await models?.cleanup();
});

it("two workers on one Redis share the load; every job runs exactly once", async () => {
  const guild = fake.createGuild();
  const parent = fake.createChannel(guild.id);
  const jobs = await Promise.all(
    Array.from({ length: 8 }, (_, i) => {
      const thread = fake.createThread(parent.id, { name: `job ${i}` });
      const data = testJob({
        kind: "complete",
        prompt: BASE_PATHS.code.prompt,
        channelId: thread.id,
        guildId: guild.id,
        maxTokens: 64,
      });
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
    const outputs = job?.data.target.outputs;
    expect(messages.length).toBe((outputs?.base?.length ?? 0) + (outputs?.footer?.length ?? 0));
  }
});
