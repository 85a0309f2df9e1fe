import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor } from "../../src/shared/jobs.js";
import { isAnswer, isFooter, startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeChannel, type FakeDiscord, type FakeMessage, type FakeUser } from "../support/fake-discord/index.js";
import { jobEvent, openTestQueue, type TestQueue } from "../support/queue.js";
import { BASE_PATHS, expectedText } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;
let channel: FakeChannel;
let ada: FakeUser;
let testQueue: TestQueue;

beforeAll(async () => {
  setup = await startTestBot({ MAX_NEW_TOKENS: "4096" });
  ({ fake, bot } = setup);
  channel = fake.createChannel(fake.createGuild().id, { name: "general" });
  ada = fake.createUser({ username: "ada" });
  testQueue = await openTestQueue(bot.config.redis.prefix);
});

afterAll(async () => {
  await testQueue?.close();
  await setup?.close();
});

const headerOf = (id: string) => fake.interaction(id).originalMessage;
const answerIn = (thread: string) => fake.messages(thread).filter(isAnswer);
const logged = (jobId: string, msg: string) =>
  bot.logs.records().filter((r) => r.jobId === jobId && r.msg === msg).length;

async function complete(text: string, maxTokens: number, where = channel.id) {
  return fake.invokeCommand({
    name: "complete",
    options: [
      { name: "text", value: text },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: maxTokens },
    ],
    channelId: where,
    user: ada,
  });
}

describe("a request from start to end", () => {
  it("loses its Stop button once the answer is final", async () => {
    const ix = await fake.invokeCommand({
      name: "compare",
      options: [
        { name: "prompt", value: BASE_PATHS.question.prompt },
        { name: "temperature", value: 0 },
        { name: "max_tokens", value: 16 },
      ],
      channelId: channel.id,
      user: ada,
    });
    const thread = await fake.waitFor(() => headerOf(ix.id)?.threadId);
    expect(JSON.stringify(headerOf(ix.id)?.components)).toContain(`stop:${ix.id}`);
    await fake.waitFor(() => fake.messages(thread).some(isFooter));
    const header = await fake.waitFor(() => {
      const h = headerOf(ix.id);
      return h && h.components.length === 0 && h;
    });
    // The header itself stays: who asked, the prompt, the models.
    expect(header.embeds).toHaveLength(1);
    expect(header.content).toBe("");
  });

  it("tells a member whose DMs are closed to the bot, in the request itself, why no answer comes", async () => {
    const bob = fake.createUser({ username: "bob" });
    const dm = fake.createDmChannel(bob.id, { closed: true });
    fake.rules.expectError({ status: 403, code: 50007, times: "any" });
    const ix = await fake.invokeCommand({
      name: "ask",
      options: [
        { name: "prompt", value: "hi" },
        { name: "temperature", value: 0 },
      ],
      channelId: dm.id,
      user: bob,
    });
    const header = await fake.waitFor(() => {
      const h = headerOf(ix.id);
      return h && /could not post the answer/.test(h.content) && h;
    });
    expect(header.content).toMatch(/Discord does not let me send you messages here/);
    expect(header.components).toEqual([]);
    expect(fake.messages(dm.id).filter((m) => !m.interactionId)).toEqual([]);
    // Failed for good at once: no retry against a place that refuses.
    expect(logged(jobIdFor(ix.id), "generation started")).toBe(1);
  });

  it("a streaming edit that fails on Discord's side is replaced by the next one: no regeneration, the whole text", async () => {
    const ix = await complete(BASE_PATHS.other.prompt, 3000);
    const thread = await fake.waitFor(() => headerOf(ix.id)?.threadId);
    // The next edit in the thread (a streaming one: the answer takes seconds) fails with 503 however often the
    // REST client tries it (4 times).
    fake.injectFault({ method: "PATCH", path: new RegExp(`/channels/${thread}/messages/`), status: 503, times: 4 });
    await fake.waitFor(() => fake.messages(thread).some(isFooter), { timeoutMs: 30_000 });
    expect(
      fake.requests.filter((r) => r.method === "PATCH" && r.path.includes(thread) && r.status === 503),
    ).toHaveLength(4);
    const jobId = jobIdFor(ix.id);
    expect(logged(jobId, "generation started")).toBe(1);
    expect(logged(jobId, "generation attempt failed; it will be retried")).toBe(0);
    const messages = answerIn(thread);
    expect(messages.at(-1)?.content).toMatch(/-# 3000 tokens .*stopped: token limit \(3000\)\n/);
    // The whole text, in order, across the messages (each after its label line; the stats after the last).
    const text = messages
      .map((m) => m.content.slice(m.content.indexOf("\n") + 1))
      .join("")
      .replace(/(\n-# [^\n]*)+$/, "");
    expect(text).toBe(`**${BASE_PATHS.other.prompt}**${expectedText(BASE_PATHS.other, 3000)}`);
  });

  it("Stop pressed while a failed attempt waits to be tried again: the thread shows who, under the text so far", async () => {
    const ix = await complete(BASE_PATHS.question.prompt, 64);
    const thread = await fake.waitFor(() => headerOf(ix.id)?.threadId);
    // Every edit fails until the attempt gives up (the REST client tries each 4 times, the worker a final 3).
    fake.injectFault({ method: "PATCH", path: new RegExp(`/channels/${thread}/messages/`), status: 503, times: 12 });
    const jobId = jobIdFor(ix.id);
    await jobEvent(testQueue.events, "delayed", jobId);
    expect(answerIn(thread).at(-1)?.content).toMatch(/generating…/);
    const header = headerOf(ix.id) as FakeMessage;
    const completed = jobEvent(testQueue.events, "completed", jobId);
    await fake.invokeComponent({ customId: `stop:${ix.id}`, messageId: header.id, user: ada });
    const last = await fake.waitFor(() => {
      const final = answerIn(thread).at(-1);
      return final && /stopped: ada pressed Stop\n/.test(final.content) && final;
    });
    // The text of the failed attempt, not a new generation (which would show its speed).
    expect(last.content).toContain(expectedText(BASE_PATHS.question, 64));
    expect(last.content).toMatch(/-# 64 tokens · – tok\/s · first token – · stopped: ada pressed Stop/);
    expect((headerOf(ix.id)?.embeds[0] as { footer?: { text: string } }).footer?.text).toBe("Stopped by ada.");
    await completed;
    expect(answerIn(thread)).toHaveLength(1);
  });
});
