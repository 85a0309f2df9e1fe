import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/shared/config.js";
import { jobIdFor, jobOptions } from "../../src/shared/jobs.js";
import { isAnswer, isFooter, startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord, type FakeChannel } from "../support/fake-discord/index.js";
import { envOf, spawnBotProcess, type BotProcess } from "../support/processes.js";
import { openTestQueue, testJob } from "../support/queue.js";
import { deletePrefix } from "../support/redis.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let parent: FakeChannel;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  parent = fake.createChannel(fake.createGuild().id, { name: "general" });
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  await fake?.close();
  await models?.cleanup();
});

/** A queue, its events and a job factory for one test's private prefix. */
async function harness(config: Config) {
  const testQueue = await openTestQueue(config.redis.prefix);
  const { queue, events } = testQueue;
  cleanups.push(async () => {
    await testQueue.close();
    await deletePrefix(config.redis.prefix);
  });
  const add = (thread: string) => {
    const data = testJob({ kind: "compare", prompt: BASE_PATHS.code.prompt, channelId: thread, maxTokens: 64 });
    return queue.add("compare", data, { ...jobOptions, jobId: jobIdFor(data.interactionId) });
  };
  return { queue, events, add };
}

function startChildWorker(config: Config, extra: Record<string, string> = {}): BotProcess {
  const worker = spawnBotProcess("worker", envOf(config, extra));
  cleanups.push(async () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
    await worker.exited;
  });
  return worker;
}

async function startInProcessWorker(config: Config): Promise<RunningBot> {
  const bot = await startBot(config, { gateway: false });
  cleanups.push(() => bot.close());
  return bot;
}

/** The thread's messages once both sides show their final stats and the footer is there. */
const bothFinal = (thread: string) => () => {
  const messages = fake.messages(thread);
  const finals = messages.filter((m) => /stopped: /.test(m.content));
  return finals.length === 2 && messages.some(isFooter) && messages;
};

function expectOneCompletePair(thread: string) {
  const messages = fake.messages(thread);
  const base = messages.filter((m) => /^(\*\*Base model\*\*|-# Base model, continued)/.test(m.content));
  const instruct = messages.filter((m) => m.content.startsWith("**Instruct model**"));
  expect(instruct).toHaveLength(1);
  expect(instruct[0]?.content).toContain(INSTRUCT_ANSWER);
  expect(instruct[0]?.content).toMatch(/stopped: end of turn\n/);
  // The base side needs several messages for 64 tokens of code; each part exists exactly once.
  expect(base.length).toBeGreaterThanOrEqual(2);
  base
    .slice(1)
    .forEach((message, i) =>
      expect(message.content).toMatch(new RegExp(`^-# Base model, continued \\(part ${i + 2}\\)`)),
    );
  expect(base.at(-1)?.content).toMatch(/stopped: token limit \(64\)\n/);
  const body = base.map((m) => m.content).join("\n");
  expect(body.split('print("the quick brown fox jumps over the lazy dog")').length - 1).toBe(
    expectedText(BASE_PATHS.code, 64).split('print("the quick brown fox jumps over the lazy dog")').length - 1,
  );
  // Both sides, and the footer once (on the last side's message, or its own where that side ended first):
  // nothing posted twice.
  expect(messages.filter(isAnswer)).toHaveLength(base.length + 1);
  expect(messages.filter(isFooter)).toHaveLength(1);
  expect(messages.length).toBeLessThanOrEqual(base.length + 2);
}

/**
 * A worker process (settings `env`) caught mid-stream on a compare job: its first message is posted and
 * an edit of it is in flight, held by a slow Discord.
 */
async function workerMidStream(env: Record<string, string>) {
  const config = testConfig(fake, models, { WORKER_CONCURRENCY: "1", ...env });
  const { add, queue, events } = await harness(config);
  const child = startChildWorker(config);
  await child.waitForLog(/models loaded/);
  const thread = fake.createThread(parent.id, { name: "mid-stream" });
  fake.injectFault({
    method: "PATCH",
    path: new RegExp(`/channels/${thread.id}/messages/`),
    status: 503,
    delayMs: 10_000,
    times: 1,
  });
  const job = await add(thread.id);
  await fake.waitFor(() => fake.requests.some((r) => r.method === "PATCH" && r.path.includes(thread.id)), {
    timeoutMs: 15_000,
  });
  return { config, child, thread, job, queue, events };
}

describe("a worker that dies or is stopped mid-stream", () => {
  it("SIGKILL: another worker picks the job up within seconds and finishes the same messages", async () => {
    const { config, child: doomed, thread, job, queue, events } = await workerMidStream({});
    doomed.child.kill("SIGKILL");
    const killedAt = Date.now();
    await doomed.exited;

    const rescuer = await startInProcessWorker(config);
    await fake.waitFor(bothFinal(thread.id), { timeoutMs: 30_000 });
    const final = Date.now() - killedAt;
    const restart = rescuer.logs.records().find((r) => r.msg === "generation started" && r.jobId === job.id);
    const recovery = Number(restart?.time) - killedAt;
    expectOneCompletePair(thread.id);
    // Lock 8 s + stall check every 4 s: back in work within 12 s of the kill (plus the check's phase).
    expect(recovery).toBeLessThan(15_000);
    await job.waitUntilFinished(events, 10_000);
    const finished = await queue.getJob(job.id ?? "");
    expect(await finished?.getState()).toBe("completed");
    console.info(`SIGKILL mid-stream: job restarted after ${recovery} ms, both sides final after ${final} ms`);
  }, 60_000);

  it("SIGTERM: an active job past the grace period is handed back, not failed as stalled, and finished by another worker", async () => {
    const {
      config,
      child: leaving,
      thread,
      job,
      queue,
      events,
    } = await workerMidStream({ SHUTDOWN_GRACE_SECONDS: "1" });
    const stoppedAt = Date.now();
    leaving.child.kill("SIGTERM");
    expect(await leaving.exited).toBe(0);
    const exitMs = Date.now() - stoppedAt;
    expect(exitMs).toBeLessThan(5_000);
    console.info(`SIGTERM mid-stream (grace 1 s): job handed back, worker exited after ${exitMs} ms`);
    expect(
      leaving.lines.some((l) => l.includes("handed back to the queue")),
      leaving.lines.slice(-15).join("\n"),
    ).toBe(true);
    expect(await queue.getJobState(job.id ?? "")).toMatch(/waiting|prioritized/);

    await startInProcessWorker(config);
    await fake.waitFor(bothFinal(thread.id), { timeoutMs: 30_000 });
    expectOneCompletePair(thread.id);
    await job.waitUntilFinished(events, 10_000);
    const finished = await queue.getJob(job.id ?? "");
    expect(await finished?.getState()).toBe("completed");
    expect(finished?.failedReason ?? "").not.toMatch(/stalled/);
  }, 60_000);
});
