import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import { jobIdFor, jobOptions } from "../../src/shared/jobs.js";
import { loadConversation } from "../../src/shared/store/conversations.js";
import { keys } from "../../src/shared/store/keys.js";
import { isAnswer, isFooter, startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord, type FakeChannel } from "../support/fake-discord/index.js";
import { jobEvent, openTestQueue, testJob, type TestQueue } from "../support/queue.js";
import { deletePrefix, TEST_REDIS_URL } from "../support/redis.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { INSTRUCT_ANSWER } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let proxy: TcpProxy;
let testQueue: TestQueue;
const bots: RunningBot[] = [];
let prefix = "";

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  const redis = new URL(TEST_REDIS_URL);
  proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
});

afterAll(async () => {
  proxy?.resume();
  for (const bot of bots) await bot.close();
  await testQueue?.close();
  await proxy?.close();
  await fake?.close();
  await models?.cleanup();
  if (prefix) await deletePrefix(prefix);
});

it("a Redis stall longer than the job's lock, mid-request: exactly one answer and one stored turn", async () => {
  const config = testConfig(fake, models);
  prefix = config.redis.prefix;
  testQueue = await openTestQueue(prefix);
  // The first worker reaches Redis through the proxy, which is about to stall.
  const first = await startBot({ ...config, redis: { ...config.redis, url: proxy.url } }, { gateway: false });
  bots.push(first);
  const parent: FakeChannel = fake.createChannel(fake.createGuild().id, { name: "general" });
  const thread = fake.createThread(parent.id, { name: "ask" });
  const data = testJob({ kind: "ask", prompt: "hi", channelId: thread.id });
  const jobId = jobIdFor(data.interactionId);
  // Redis stalls just as the first worker, its answer generated, goes to keep it: mid-request, before the
  // answer shows complete.
  const stalled = proxy.stallOn(keys.result(prefix, jobId));
  const completed = jobEvent(testQueue.events, "completed", jobId, 40_000);
  await testQueue.queue.add("ask", data, { ...jobOptions, jobId });
  await stalled;

  // Past the lock, a second worker takes the job over and finishes it.
  const second = await startBot(config, { gateway: false });
  bots.push(second);
  await completed;
  await fake.waitFor(() => fake.messages(thread.id).some(isFooter));
  // The first worker stopped writing when it lost its hold on Redis, and says so.
  await fake.waitFor(() => first.logs.lines.some((l) => l.includes("stopped writing")), { timeoutMs: 10_000 });

  proxy.resume();
  // Whatever the first worker had sent before the stall reaches Redis now; it must not count twice.
  await fake.waitFor(
    () =>
      first.logs.lines.some((l) => l.includes(jobId) && /no longer this worker's|generation (finished|failed)/.test(l)),
    {
      timeoutMs: 15_000,
    },
  );
  const direct = new Redis(TEST_REDIS_URL);
  try {
    const turns = await loadConversation(direct, prefix, thread.id);
    expect(turns).toEqual([{ prompt: "hi", answer: INSTRUCT_ANSWER }]);
  } finally {
    direct.disconnect();
  }
  const messages = fake.messages(thread.id);
  expect(messages.filter(isFooter)).toHaveLength(1);
  expect(messages.filter(isAnswer)).toHaveLength(1);
  expect(messages[0]?.content).toContain(INSTRUCT_ANSWER);
  expect(messages[0]?.content).toMatch(/stopped: end of turn/);
});
