import { afterAll, beforeAll, expect, it } from "vitest";
import { askCommand, startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord } from "../support/fake-discord/index.js";
import { INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;

beforeAll(async () => {
  setup = await startTestBot({ USER_MAX_IN_FLIGHT: "2", GUILD_MAX_IN_FLIGHT: "20" });
  ({ fake, bot } = setup);
});

afterAll(() => setup?.close());

it("one user flooding 50 commands gets 2 queued and 48 ephemeral refusals; another user is served at once", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id);
  const flooder = fake.createUser({ username: "flooder" });
  const other = fake.createUser({ username: "other" });
  const ask = (user: typeof flooder) => askCommand(fake, channel.id, user);
  const worker = bot.worker?.worker;
  if (!worker || !bot.gateway) throw new Error("bot not running");
  await worker.pause();
  const flood = await Promise.all(Array.from({ length: 50 }, () => ask(flooder)));
  await fake.waitFor(() => flood.every((ix) => fake.interaction(ix.id).acknowledged), { timeoutMs: 10_000 });
  // Acknowledged at once; a refusal then replaces the "thinking…" reply with a private answer.
  const refusalOf = (id: string) => fake.interaction(id).followups.find((m) => m.ephemeral);
  await fake.waitFor(() => flood.filter((ix) => refusalOf(ix.id)).length === 48, { timeoutMs: 10_000 });
  const refused = flood.filter((ix) => refusalOf(ix.id));
  expect(refusalOf(refused[0]?.id ?? "")?.content).toMatch(/You already have 2 requests waiting or generating/);
  for (const ix of refused) expect(fake.interaction(ix.id).originalMessage?.deleted ?? true).toBe(true);
  await fake.waitFor(() => bot.logs.lines.filter((l) => l.includes("request queued")).length === 2);
  expect(await bot.gateway.queue.getWaitingCount()).toBe(2);

  const theirs = await ask(other);
  const thread = await fake.waitFor(() => fake.interaction(theirs.id).originalMessage?.threadId);
  await worker.resume();
  const started = Date.now();
  await fake.waitFor(() =>
    fake.messages(thread).some((m) => m.content.includes(INSTRUCT_ANSWER) && /stopped: /.test(m.content)),
  );
  expect(Date.now() - started).toBeLessThan(3_000);

  // Once the flooder's requests have finished, the flooder may ask again.
  const accepted = flood.filter((ix) => !refusalOf(ix.id));
  for (const ix of accepted) {
    const t = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    await fake.waitFor(() => fake.messages(t).some((m) => /stopped: /.test(m.content)));
  }
  await fake.waitFor(() => bot.logs.records().filter((r) => r.msg === "generation finished").length === 3);
  const again = await ask(flooder);
  await fake.waitFor(() => fake.interaction(again.id).originalMessage?.threadId);
  expect(refusalOf(again.id)).toBeUndefined();
});
