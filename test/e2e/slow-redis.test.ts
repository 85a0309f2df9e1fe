import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { jobIdFor, openQueue } from "../../src/shared/jobs.js";
import { startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord, type FakeChannel, type FakeMessage, type FakeUser } from "../support/fake-discord/index.js";
import { deletePrefix, TEST_REDIS_URL } from "../support/redis.js";
import { TcpProxy } from "../support/tcp-proxy.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let proxy: TcpProxy;
let gateway: RunningBot;
let worker: RunningBot;
let channel: FakeChannel;
let ada: FakeUser;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  const redis = new URL(TEST_REDIS_URL);
  proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
  const config = testConfig(fake, models);
  // The gateway reaches Redis through the proxy; the worker directly, so only the gateway sees the trouble.
  worker = await startBot(config, { gateway: false });
  gateway = await startBot({ ...config, redis: { ...config.redis, url: proxy.url } }, { worker: false });
  channel = fake.createChannel(fake.createGuild().id, { name: "general" });
  ada = fake.createUser({ username: "ada" });
});

afterAll(async () => {
  proxy?.setLatency(0);
  proxy?.refuse(false);
  await gateway?.close();
  await worker?.close();
  await proxy?.close();
  await fake?.close();
  await models?.cleanup();
  if (gateway) await deletePrefix(gateway.config.redis.prefix);
});

const compare = () =>
  fake.invokeCommand({ name: "compare", options: [{ name: "prompt", value: "hi" }], channelId: channel.id, user: ada });
const answered = (id: string) =>
  fake.waitFor(() => {
    const reply = fake.interaction(id).originalMessage;
    return reply && !reply.loading && reply;
  });

describe("when Redis answers slowly", () => {
  it("acknowledges a command inside Discord's 3 s and says clearly that nothing was queued", async () => {
    proxy.setLatency(4_000);
    try {
      const ix = await compare();
      const reply = await answered(ix.id);
      expect(fake.interaction(ix.id).acknowledgedAfterMs).toBeLessThan(1_000);
      expect(reply.content).toMatch(
        /request queue is unavailable right now, so nothing was queued.*error id `[0-9a-f]{8}`/,
      );
      expect(reply.editedAt! - fake.interaction(ix.id).dispatchedAt).toBeLessThan(3_000);
      expect(fake.threads(channel.id)).toHaveLength(0);
    } finally {
      proxy.setLatency(0);
      await proxy.drained();
    }
  });

  it("acknowledges the Stop button inside Discord's 3 s and says that nothing was stopped", async () => {
    await worker.worker?.worker.pause();
    try {
      const ix = await compare();
      const header = await fake.waitFor(() => {
        const h = fake.interaction(ix.id).originalMessage;
        return h && h.components.length > 0 && h;
      });
      await fake.waitFor(() => gateway.logs.lines.some((l) => l.includes(ix.id) && l.includes("request queued")));
      proxy.setLatency(4_000);
      const press = await fake.invokeComponent({ customId: `stop:${ix.id}`, messageId: header.id, user: ada });
      const followup = await fake.waitFor(() => fake.interaction(press.id).followups[0], { timeoutMs: 10_000 });
      expect(fake.interaction(press.id).acknowledgedAfterMs).toBeLessThan(1_000);
      expect(followup.ephemeral).toBe(true);
      expect(followup.content).toMatch(/queue could not be reached, so nothing was stopped.*error id/);
    } finally {
      proxy.setLatency(0);
      await proxy.drained();
      await worker.worker?.worker.resume();
    }
  });
});

describe("when the queue fails after the thread was opened", () => {
  it("closes the thread and says that nothing was queued", async () => {
    // Discord takes a moment to open the thread; meanwhile Redis goes away.
    fake.injectFault({ method: "POST", path: /\/threads$/, status: 503, respondLateMs: 300 });
    const before = fake.requests.length;
    const ix = await compare();
    await fake.waitFor(() => fake.requests.slice(before).some((r) => r.method === "POST" && /\/threads$/.test(r.path)));
    proxy.refuse();
    try {
      const reply = await fake.waitFor(() => {
        const r = fake.interaction(ix.id).originalMessage;
        return r && /queued/.test(r.content) && r;
      });
      expect(reply.content).toMatch(/nothing was queued.*error id `[0-9a-f]{8}`/);
      expect(reply.components).toEqual([]);
      const thread = reply.threadId ?? "";
      await fake.waitFor(() => fake.channel(thread)?.archived);
      expect(fake.channel(thread)?.name).toMatch(/not queued/);
      expect(fake.messages(thread)).toEqual([] as FakeMessage[]);
    } finally {
      proxy.refuse(false);
    }
    const direct = new Redis(TEST_REDIS_URL);
    const queue = openQueue(direct, gateway.config.redis.prefix);
    try {
      expect(await queue.getJob(jobIdFor(ix.id))).toBeUndefined();
    } finally {
      await queue.close();
      direct.disconnect();
    }
  });
});
