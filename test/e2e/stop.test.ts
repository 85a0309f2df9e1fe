import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor } from "../../src/shared/jobs.js";
import { isAnswer, startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord, Permission, type FakeChannel, type FakeUser } from "../support/fake-discord/index.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;
let channel: FakeChannel;
let ada: FakeUser;
let bob: FakeUser;
let mod: FakeUser;

beforeAll(async () => {
  setup = await startTestBot({ MAX_NEW_TOKENS: "8192" });
  ({ fake, bot } = setup);
  const guild = fake.createGuild();
  channel = fake.createChannel(guild.id);
  [ada, bob, mod] = [
    fake.createUser({ username: "ada" }),
    fake.createUser({ username: "bob" }),
    fake.createUser({ username: "mod" }),
  ];
});

afterAll(() => setup?.close());
afterEach(() => fake.setLatency(0));

const headerOf = (id: string) => fake.interaction(id).originalMessage;
const pressStop = (headerId: string, user: FakeUser, memberPermissions?: bigint) =>
  fake.invokeComponent({
    customId: `stop:${headerId}`,
    messageId: headerOf(headerId)?.id ?? "",
    user,
    ...(memberPermissions ? { memberPermissions } : {}),
  });

describe("the Stop button", () => {
  it("is on every request; others may not use it; the requester removes a waiting job", async () => {
    const worker = bot.worker?.worker;
    if (!worker || !bot.gateway) throw new Error("bot not running");
    await worker.pause();
    try {
      const ix = await fake.invokeCommand({
        name: "compare",
        options: [{ name: "prompt", value: "hi" }],
        channelId: channel.id,
        user: ada,
      });
      await fake.waitFor(() => bot.logs.lines.some((l) => l.includes(ix.id) && l.includes("request queued")));
      expect(JSON.stringify(headerOf(ix.id)?.components)).toContain(`stop:${ix.id}`);

      const byBob = await pressStop(ix.id, bob);
      const refusal = await fake.waitFor(() => fake.interaction(byBob.id).followups[0]);
      expect(refusal.ephemeral).toBe(true);
      expect(refusal.content).toMatch(/Only the member who asked, or a member with Manage Messages/);
      expect(JSON.stringify(headerOf(ix.id)?.components)).toContain(`stop:${ix.id}`);

      const byAda = await pressStop(ix.id, ada);
      await fake.waitFor(() => (headerOf(ix.id)?.components.length ?? 1) === 0);
      const footer = (headerOf(ix.id)?.embeds[0] as { footer?: { text: string } }).footer?.text;
      expect(footer).toBe("Stopped by ada before it started.");
      expect(fake.interaction(byAda.id).acknowledged).toBe(true);
      expect(await bot.gateway.queue.getJob(jobIdFor(ix.id))).toBeUndefined();
    } finally {
      await worker.resume();
    }
  });

  it.each([0, 150])(
    "a member with Manage Messages stops an active generation; the thread shows who within a second (Discord %i ms away)",
    async (latencyMs) => {
      fake.setLatency(latencyMs);
      const ix = await fake.invokeCommand({
        name: "complete",
        options: [
          { name: "text", value: "Tell me a story" },
          { name: "temperature", value: 0 },
          { name: "max_tokens", value: 8192 },
        ],
        channelId: channel.id,
        user: ada,
      });
      const thread = await fake.waitFor(() => headerOf(ix.id)?.threadId);
      await fake.waitFor(() => fake.messages(thread).some((m) => /and so on/.test(m.content)));
      const pressed = Date.now();
      await pressStop(ix.id, mod, Permission.ManageMessages | Permission.ViewChannel);
      // The model writes far faster than Discord takes messages: the thread says who stopped it at once,
      // even where the rest of the text is still to be posted.
      const notice = await fake.waitFor(() => fake.messages(thread).find((m) => /mod pressed Stop/.test(m.content)), {
        timeoutMs: 10_000,
      });
      expect((notice.editedAt ?? notice.createdAt) - pressed).toBeLessThan(1_000);
      expect((headerOf(ix.id)?.embeds[0] as { footer?: { text: string } }).footer?.text).toBe("Stopped by mod.");

      // Then the whole answer, its stats under the last message and nowhere else.
      const answer = () => fake.messages(thread).filter(isAnswer);
      const last = await fake.waitFor(
        () => {
          const final = answer().at(-1);
          return final && /-# \d+ tokens .*stopped: mod pressed Stop\n/.test(final.content) && final;
        },
        { timeoutMs: 30_000 },
      );
      const tokens = Number(/-# (\d+) tokens/.exec(last.content)?.[1]);
      expect(tokens).toBeGreaterThan(0);
      expect(tokens).toBeLessThan(8192);
      await fake.waitFor(() => answer().every((m) => !/generating…|follows below/.test(m.content)), {
        timeoutMs: 10_000,
      });
      expect(answer().filter((m) => /stopped:/.test(m.content))).toHaveLength(1);
      fake.setLatency(0);
    },
  );
});
