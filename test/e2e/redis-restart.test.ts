import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { askCommand, startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord } from "../support/fake-discord/index.js";
import { freePort } from "../support/queue.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let bot: RunningBot;
let dir: string;
let port: number;
let redis: ChildProcess | null = null;

/** This test's own Redis, with AOF fsync on every write, so a restart keeps every acknowledged job. */
async function startRedis(): Promise<void> {
  redis = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
    ],
    {
      stdio: "ignore",
    },
  );
  const probe = new Redis(port, "127.0.0.1", { retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on("error", () => {}); // refused until the server listens; retried
  try {
    await probe.ping();
  } finally {
    probe.disconnect();
  }
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-redis-"));
  port = await freePort();
  await startRedis();
  fake = await FakeDiscord.start();
  models = await testModels();
  bot = await startBot(testConfig(fake, models, { REDIS_URL: `redis://127.0.0.1:${port}` }));
});

afterAll(async () => {
  await bot?.close().catch(() => {});
  await stopRedis();
  await fake?.close();
  await models?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

it("jobs running and waiting through a Redis restart longer than BullMQ's drain delay are all delivered once; both processes reconnect alone", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id);
  const user = fake.createUser();
  const ask = () => askCommand(fake, channel.id, user);
  const worker = bot.worker?.worker;
  if (!worker) throw new Error("worker not running");
  // One job is running (its first edit held by a slow Discord) when Redis goes; two more wait.
  fake.injectFault({ method: "PATCH", path: /\/channels\/\d+\/messages\/\d+$/, status: 503, delayMs: 9_000, times: 1 });
  const running = await ask();
  await fake.waitFor(() => fake.requests.some((r) => r.method === "PATCH"));
  await worker.pause(true);
  const waiting = [await ask(), await ask()];
  await fake.waitFor(() => bot.logs.lines.filter((l) => l.includes("request queued")).length === 3);

  await stopRedis();
  await worker.resume(); // it has to find the jobs itself once Redis is back
  // The outage itself is what is tested: longer than BullMQ's 5 s drain delay.
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  await startRedis();
  const back = Date.now();

  for (const ix of waiting) {
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    await fake.waitFor(() => fake.messages(thread).some((m) => /stopped: end of turn/.test(m.content)), {
      timeoutMs: 20_000,
    });
  }
  console.info(`Redis down 7 s with 2 jobs waiting: both delivered ${Date.now() - back} ms after Redis came back`);
  // The job that was running ends with exactly one complete answer.
  const runningThread = await fake.waitFor(() => fake.interaction(running.id).originalMessage?.threadId);
  await fake.waitFor(() => fake.messages(runningThread).some((m) => /stopped: end of turn/.test(m.content)), {
    timeoutMs: 30_000,
  });
  expect(fake.messages(runningThread)).toHaveLength(1);
  // The gateway reconnected too: a new command is queued and answered.
  const after = await ask();
  const thread = await fake.waitFor(() => fake.interaction(after.id).originalMessage?.threadId, { timeoutMs: 10_000 });
  await fake.waitFor(() => fake.messages(thread).some((m) => /stopped: end of turn/.test(m.content)), {
    timeoutMs: 10_000,
  });
  expect(fake.interaction(after.id).ephemeral).toBe(false);
}, 60_000);
