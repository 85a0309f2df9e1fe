import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord } from "../support/fake-discord/index.js";
import { freePort } from "../support/queue.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;

beforeAll(async () => {
  setup = await startTestBot(
    { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, HEALTH_PORT: "0" },
    { worker: false },
  );
  ({ fake, bot } = setup);
});

afterAll(() => setup?.close());

it("tells the user at once, with an error id, when Redis is down; nothing is left thinking", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id);
  const user = fake.createUser({ username: "ada" });
  const ix = await fake.invokeCommand({
    name: "compare",
    options: [{ name: "prompt", value: "hi" }],
    channelId: channel.id,
    user,
  });
  const reply = await fake.waitFor(() => {
    const original = fake.interaction(ix.id).originalMessage;
    return original && !original.loading && original;
  });
  expect(reply.content).toMatch(
    /request queue is unavailable right now, so nothing was queued.*error id `[0-9a-f]{8}`/,
  );
  expect(reply.editedAt! - fake.interaction(ix.id).dispatchedAt).toBeLessThan(3_000);
  expect(fake.threads(channel.id)).toHaveLength(0);
  const errorId = /error id `([0-9a-f]{8})`/.exec(reply.content)?.[1];
  expect(bot.logs.records().some((r) => r.errorId === errorId && r.msg === "queue unavailable")).toBe(true);
});

it("reports not ready, naming Redis, while Redis is down", async () => {
  const response = await fetch(`http://127.0.0.1:${bot.gateway?.opsPort}/readyz`);
  expect(response.status).toBe(503);
  expect(await response.json()).toEqual({ ready: false, checks: { discord: true, redis: false } });
});
