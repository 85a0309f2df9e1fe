import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor, jobOptions, type GenerationQueue } from "../../src/shared/jobs.js";
import { startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { Permission, type FakeChannel, type FakeDiscord } from "../support/fake-discord/index.js";
import { openTestQueue, testJob, type TestQueue } from "../support/queue.js";
import { BASE_PATHS } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;
let testQueue: TestQueue;
let queue: GenerationQueue;
let events: TestQueue["events"];
let guildId: string;

beforeAll(async () => {
  setup = await startTestBot({}, { gateway: false });
  ({ fake, bot } = setup);
  guildId = fake.createGuild().id;
  testQueue = await openTestQueue(bot.config.redis.prefix);
  ({ queue, events } = testQueue);
});

afterAll(async () => {
  await testQueue?.close();
  await setup?.close();
});

/** Starts a job in a fresh thread and holds its first edit for a moment, so the test can act mid-stream. */
async function startMidStream(): Promise<{ parent: FakeChannel; thread: FakeChannel; jobId: string }> {
  const parent = fake.createChannel(guildId, { name: "general" });
  const thread = fake.createThread(parent.id, { name: "t" });
  fake.injectFault({
    method: "PATCH",
    path: new RegExp(`/channels/${thread.id}/messages/`),
    status: 503,
    delayMs: 500,
    times: 1,
  });
  const data = testJob({
    kind: "complete",
    prompt: BASE_PATHS.code.prompt,
    channelId: thread.id,
    guildId,
    maxTokens: 64,
  });
  const job = await queue.add("complete", data, { ...jobOptions, jobId: jobIdFor(data.interactionId) });
  await fake.waitFor(() => fake.requests.some((r) => r.method === "PATCH" && r.path.includes(thread.id)));
  return { parent, thread, jobId: job.id ?? "" };
}

/** The job failed for good, at once, saying which refusal of Discord's (the gateway tells the member from it). */
async function expectStoppedWithoutRetry(jobId: string, refusal: RegExp) {
  const started = Date.now();
  const job = await queue.getJob(jobId);
  await expect(job?.waitUntilFinished(events, 10_000)).rejects.toThrow(refusal);
  expect(await queue.getJobState(jobId)).toBe("failed");
  // Started once, never retried.
  expect(bot.logs.records().filter((r) => r.jobId === jobId && r.msg === "generation started")).toHaveLength(1);
  expect(Date.now() - started).toBeLessThan(5_000);
  const record = bot.logs.records().find((r) => r.jobId === jobId && r.msg === "generation failed");
  expect(record).toMatchObject({
    permanent: true,
    channelId: expect.any(String) as string,
    userId: "100000000000000001",
  });
  const requestsAfter = fake.requests.length;
  // No retry loop: over the next moment at most the REST client's own retries of a request that was
  // already in flight when the thread went away (3 at most), nothing new.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(
    fake.requests.slice(requestsAfter).filter((r) => r.path.includes(String(record?.channelId))).length,
  ).toBeLessThanOrEqual(3);
}

describe("the thread goes away mid-stream", () => {
  it("deleted: generation stops, no retry, logged with context", async () => {
    const { thread, jobId } = await startMidStream();
    fake.rules.expectError({ status: 404, code: 10003, times: "any" });
    fake.deleteChannel(thread.id);
    await expectStoppedWithoutRetry(jobId, /^discord 404\/10003: /);
  });

  it("archived and locked: the same", async () => {
    const { thread, jobId } = await startMidStream();
    fake.rules.expectError({ status: 400, code: 50083, times: "any" });
    fake.archiveThread(thread.id, { locked: true });
    await expectStoppedWithoutRetry(jobId, /^discord 400\/50083: /);
  });

  it("locked but not archived: new messages are refused (160005), and the job stops the same way", async () => {
    const { thread, jobId } = await startMidStream();
    fake.rules.expectError({ status: 403, code: 160005, times: "any" });
    fake.lockThread(thread.id);
    await expectStoppedWithoutRetry(jobId, /^discord 403\/160005: /);
  });

  it("the bot's permission removed: the same", async () => {
    const { parent, jobId } = await startMidStream();
    fake.rules.expectError({ status: 403, code: 50013, times: "any" });
    fake.setBotPermissions(parent.id, Permission.ViewChannel);
    await expectStoppedWithoutRetry(jobId, /^discord 403\/50013: /);
  });
});

describe("Discord throttles and errors", () => {
  it("429 bursts and 5xx answers: no duplicate message, the final text is the whole output", async () => {
    const parent = fake.createChannel(guildId, { name: "busy" });
    const thread = fake.createThread(parent.id, { name: "t" });
    const path = new RegExp(`/channels/${thread.id}/messages`);
    fake.injectFault({ method: "POST", path, status: 429, retryAfter: 0.2, times: 3 });
    fake.injectFault({ method: "PATCH", path, status: 502, times: 2 });
    fake.injectFault({ method: "POST", path, status: 503, times: 1 });
    const data = testJob({
      kind: "complete",
      prompt: BASE_PATHS.code.prompt,
      channelId: thread.id,
      guildId,
      maxTokens: 64,
    });
    const job = await queue.add("complete", data, { ...jobOptions, jobId: jobIdFor(data.interactionId) });
    const result = await job.waitUntilFinished(events, 30_000);
    const messages = fake.messages(thread.id);
    const outputs = (await queue.getJob(job.id ?? ""))?.data.target.outputs;
    // The side's messages, each once, the last with the footer's buttons.
    expect(messages.map((m) => m.id)).toEqual(outputs?.base);
    expect(JSON.stringify(messages.at(-1)?.components)).toContain("prompts:");
    expect(new Set(messages.map((m) => m.nonce)).size).toBe(messages.length);
    expect(messages.at(-1)?.content).toMatch(/stopped: token limit \(64\)\n/);
    const shown = messages.map((m) => m.content).join("\n");
    const line = 'print("the quick brown fox jumps over the lazy dog")';
    expect(shown.split(line).length - 1).toBe((result.base?.text ?? "").split(line).length - 1);
    // The faults were met, and ridden out.
    expect(fake.rateLimitHits.filter((hit) => hit.path.includes(thread.id)).length).toBe(3);
    expect(fake.errors.filter((e) => e.path.includes(thread.id) && e.status >= 500)).toHaveLength(3);
    const invalid = fake.errors.filter((e) => e.path.includes(thread.id) && e.status >= 400 && e.status < 500);
    expect(invalid).toHaveLength(0);
  });
});

describe("Discord answers after the REST timeout", () => {
  it("a create that Discord made but answered too late is retried with its nonce: one message, not two", async () => {
    const parent = fake.createChannel(guildId, { name: "slow" });
    const thread = fake.createThread(parent.id, { name: "t" });
    // @discordjs/rest gives up on a request after 15 s and sends it again.
    fake.injectFault({
      method: "POST",
      path: new RegExp(`/channels/${thread.id}/messages$`),
      status: 503,
      respondLateMs: 16_000,
      times: 1,
    });
    const data = testJob({ kind: "ask", prompt: "hi", channelId: thread.id, guildId, maxTokens: 16 });
    const job = await queue.add("ask", data, { ...jobOptions, jobId: jobIdFor(data.interactionId) });
    await job.waitUntilFinished(events, 40_000);
    const creates = fake.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith(`/channels/${thread.id}/messages`),
    );
    // The late create and its retry (same nonce); the footer rides on the answer's final edit.
    expect(creates.length).toBe(2);
    const messages = fake.messages(thread.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.content).toMatch(/stopped: end of turn\n/);
  }, 60_000);
});
