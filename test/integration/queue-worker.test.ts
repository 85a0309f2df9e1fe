import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor, type GenerationJob, type GenerationQueue, type JobKind } from "../../src/shared/jobs.js";
import { startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeChannel, type FakeDiscord } from "../support/fake-discord/index.js";
import { openTestQueue, testJob, type TestQueue } from "../support/queue.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;
let testQueue: TestQueue;
let queue: GenerationQueue;
let events: TestQueue["events"];
let parent: FakeChannel;

beforeAll(async () => {
  setup = await startTestBot({}, { gateway: false });
  ({ fake, bot } = setup);
  const guild = fake.createGuild();
  parent = fake.createChannel(guild.id, { name: "general" });
  testQueue = await openTestQueue(bot.config.redis.prefix);
  ({ queue, events } = testQueue);
});

afterAll(async () => {
  await testQueue?.close();
  await setup?.close();
});

function job(kind: JobKind, prompt: string, channelId: string, maxTokens = 16): GenerationJob {
  return testJob({ kind, prompt, channelId, maxTokens });
}

async function run(data: GenerationJob) {
  const added = await queue.add(data.kind, data, {
    jobId: jobIdFor(data.interactionId),
    attempts: 3,
    backoff: { type: "fixed", delay: 200 },
  });
  const result = await added.waitUntilFinished(events, 20_000);
  const stored = await queue.getJob(added.id ?? "");
  return { result, stored };
}

describe("a job through Redis to a worker and back (real BullMQ, real node-llama-cpp)", () => {
  it.each([
    ["compare", { base: "tokenLimit", instruct: "endOfTurn" }],
    ["ask", { instruct: "endOfTurn" }],
    ["complete", { base: "tokenLimit" }],
  ] as const)("%s: returns each side's stats and leaves the outputs in the channel", async (kind, stops) => {
    const thread = fake.createThread(parent.id, { name: kind });
    const { result, stored } = await run(job(kind, BASE_PATHS.question.prompt, thread.id));
    expect(Object.fromEntries(Object.entries(result).map(([side, r]) => [side, r?.stopReason]))).toEqual(stops);
    if ("base" in stops) expect(result.base?.text).toBe(expectedText(BASE_PATHS.question, 16));
    if ("instruct" in stops) expect(result.instruct?.text).toBe(INSTRUCT_ANSWER);
    const posted = fake.messages(thread.id);
    // One message per side; the last carries the footer: the buttons (and for a comparison the chart).
    expect(posted).toHaveLength(Object.keys(stops).length);
    expect(JSON.stringify(posted.at(-1)?.components)).toContain("Show the exact prompts");
    expect(posted.slice(0, -1).every((m) => m.components.length === 0)).toBe(true);
    // The job keeps the ids of the messages it wrote.
    expect(
      Object.values(stored?.data.target.outputs ?? {})
        .flat()
        .sort(),
    ).toEqual(posted.map((m) => m.id).sort());
  });

  it("a retried job edits the same messages, overflow included, instead of posting new ones", async () => {
    const thread = fake.createThread(parent.id, { name: "retry" });
    // Every edit in this thread fails with 503 until the first attempt gives up: the REST client tries each
    // request 4 times, and the worker tries a final edit 3 times before the attempt fails.
    fake.injectFault({ method: "PATCH", path: new RegExp(`/channels/${thread.id}/messages/`), status: 503, times: 12 });
    const { result, stored } = await run(job("complete", BASE_PATHS.code.prompt, thread.id, 64));
    expect(stored?.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(result.base?.stopReason).toBe("tokenLimit");
    const posted = fake.messages(thread.id);
    const outputs = stored?.data.target.outputs;
    expect(posted.map((m) => m.id)).toEqual(outputs?.base);
    expect(posted.length).toBeGreaterThanOrEqual(2);
    expect(posted.at(-1)?.content).toMatch(/stopped: token limit \(64\)\n/);
    expect(JSON.stringify(posted.at(-1)?.components)).toContain("Show the exact prompts");
    expect(bot.logs.lines.some((line) => line.includes("it will be retried"))).toBe(true);
  });

  it("rejects job data that breaks the contract without retrying", async () => {
    const bad = { ...job("ask", "hi", parent.id), v: 99 };
    const added = await queue.add("ask", bad as unknown as GenerationJob, { jobId: "ix-bad-1", attempts: 3 });
    await expect(added.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid job data/);
    expect((await queue.getJob("ix-bad-1"))?.attemptsMade).toBe(1);
  });
});
