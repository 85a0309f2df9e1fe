import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIdFor } from "../../src/shared/jobs.js";
import { commands } from "../../commands/index.js";
import { registerCommands } from "../../src/gateway/register-commands.js";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../support/redis.js";
import { isFooter, startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import {
  FakeDiscord,
  Permission,
  type FakeChannel,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
} from "../support/fake-discord/index.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let bot: RunningBot;
let guild: FakeGuild;
let general: FakeChannel;
let ada: FakeUser;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  guild = fake.createGuild({ name: "Study group" });
  general = fake.createChannel(guild.id, { name: "general" });
  ada = fake.createUser({ username: "ada" });
  // No DISCORD_GUILD_ID: commands are registered globally, so they are offered in DMs too.
  bot = await startBot(testConfig(fake, models));
});

afterAll(async () => {
  await bot?.close();
  await fake?.close();
  await models?.cleanup();
});

const option = (name: string, value: string | number) => ({ name, value });
const contentOf = (messages: FakeMessage[]) => messages.map((m) => m.content);
/** Messages the bot posted in a channel (not the interaction reply). */
const botPosts = (channelId: string) =>
  fake.messages(channelId).filter((m) => m.author.id === fake.botUser.id && !m.interactionId);
const finished = (messages: FakeMessage[]) =>
  messages.length > 0 && /-# .*stopped: /.test(messages.at(-1)?.content ?? "");

/** The content of the bot's first response to an interaction. */
const replyText = (id: string) =>
  (fake.interaction(id).responses[0]?.data as { content?: string } | undefined)?.content ?? "";

/** All messages of one side (label then its continuations), in order. */
function sideMessages(channelId: string, label: "Base model" | "Instruct model"): FakeMessage[] {
  return botPosts(channelId).filter(
    (m) => m.content.startsWith(`**${label}**`) || m.content.startsWith(`-# ${label}, continued`),
  );
}

async function runCommand(
  name: string,
  options: { name: string; value: string | number }[],
  channelId = general.id,
  user = ada,
) {
  const started = Date.now();
  const ix = await fake.invokeCommand({ name, options, channelId, user });
  await fake.waitFor(() => fake.interaction(ix.id).acknowledged);
  return { ix, started };
}

describe("the bot end to end (real discord.js, real Redis, real node-llama-cpp, fake Discord)", () => {
  it("registers its commands globally, usable in servers and DMs, with the Guilds intent only", () => {
    const commands = new Map(fake.commands().map((c) => [c.name, c]));
    expect([...commands.keys()].sort()).toEqual([
      "ask",
      "compare",
      "complete",
      "export-preferences",
      "forget-me",
      "leaderboard",
      "models",
      "purge-server-data",
      "queue-status",
    ]);
    for (const name of ["ask", "compare", "complete"]) expect(commands.get(name)?.contexts).toEqual([0, 1]);
    // The admin commands: servers only, and only for members with Manage Server unless an admin says otherwise.
    for (const name of ["queue-status", "export-preferences", "purge-server-data"]) {
      expect(commands.get(name)).toMatchObject({ contexts: [0], default_member_permissions: "32" });
    }
    expect(fake.identifies.at(-1)?.intents).toBe(1);
  });

  it("/queue-status shows an admin the queue, the workers online and the limits, ephemerally", async () => {
    const ix = await fake.invokeCommand({
      name: "queue-status",
      channelId: general.id,
      user: ada,
      memberPermissions: 32n,
    });
    const reply = await fake.waitFor(() => {
      const original = fake.interaction(ix.id).originalMessage;
      return original && !original.loading && original;
    });
    expect(fake.interaction(ix.id).ephemeral).toBe(true);
    expect(reply.content).toMatch(/\*\*Queue\*\* \d+ waiting · \d+ generating/);
    expect(reply.content).toContain("**Workers online** 1");
    expect(reply.content).toContain(
      "**Limits** 0 s between a member's requests · 1000 at once per member · 20 at once per server",
    );
  });

  it("registers in one guild when DISCORD_GUILD_ID is set", async () => {
    const client = bot.gateway?.client;
    if (!client) throw new Error("gateway not running");
    const where = await registerCommands(client.rest, client.application.id, commands, guild.id);
    expect(where).toBe(`guild ${guild.id}`);
    expect(
      fake
        .commands(guild.id)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      "ask",
      "compare",
      "complete",
      "export-preferences",
      "forget-me",
      "leaderboard",
      "models",
      "purge-server-data",
      "queue-status",
    ]);
  });

  it("/compare: a public header, a thread, and a labelled pair that ends complete with stats", async () => {
    const prompt = BASE_PATHS.question.prompt;
    const { ix, started } = await runCommand("compare", [
      option("prompt", prompt),
      option("temperature", 0),
      option("max_tokens", 24),
    ]);
    const interaction = fake.interaction(ix.id);
    expect(interaction.ephemeral).toBe(false);
    expect(interaction.acknowledgedAfterMs).toBeLessThan(1_000);

    const thread = await fake.waitFor(() =>
      fake.threads(general.id).find((t) => t.id === fake.interaction(ix.id).originalMessage?.id),
    );
    expect(thread.name).toBe(`compare: ${prompt}`);
    await fake.waitFor(
      () => finished(sideMessages(thread.id, "Base model")) && finished(sideMessages(thread.id, "Instruct model")),
    );
    const elapsed = Date.now() - started;

    const header = fake.interaction(ix.id).originalMessage;
    const embed = header?.embeds[0] as { author: { name: string }; description: string; fields: { value: string }[] };
    expect(embed.author.name).toBe("ada asked");
    expect(embed.description).toBe(prompt);
    const fields = embed.fields.map((f) => f.value).join("\n");
    expect(fields).toContain("base `tiny-base`");
    expect(fields).toContain("instruct `tiny-instruct`");
    expect(fields).toMatch(/temperature 0 · up to 24 tokens · seed \d+/);

    const [base] = contentOf(sideMessages(thread.id, "Base model"));
    const [instruct] = contentOf(sideMessages(thread.id, "Instruct model"));
    expect(base?.startsWith("**Base model** · `tiny-base` · raw continuation, no template\n")).toBe(true);
    expect(base).toContain(`**${prompt}**${expectedText(BASE_PATHS.question, 24)}\n-# 24 tokens · `);
    expect(base).toMatch(/first token \d+ ms · stopped: token limit \(24\)\n/);
    expect(instruct).toContain(
      `**Instruct model** · \`tiny-instruct\` · chat template + system prompt\n${INSTRUCT_ANSWER}\n-# `,
    );
    expect(instruct).toMatch(/stopped: end of turn\n/);
    console.info(`/compare to both outputs final: ${elapsed} ms`);
  });

  it("/ask stops at end of turn while /complete runs to max_tokens", async () => {
    const ask = await runCommand("ask", [
      option("prompt", "Tell me a story"),
      option("temperature", 0),
      option("max_tokens", 30),
    ]);
    const complete = await runCommand("complete", [
      option("text", "Tell me a story"),
      option("temperature", 0),
      option("max_tokens", 30),
    ]);
    const threadOf = (id: string) => fake.interaction(id).originalMessage?.threadId ?? null;
    const askThread = await fake.waitFor(() => threadOf(ask.ix.id));
    const completeThread = await fake.waitFor(() => threadOf(complete.ix.id));
    const askOut = await fake.waitFor(() => finished(botPosts(askThread)) && botPosts(askThread));
    const completeOut = await fake.waitFor(() => finished(botPosts(completeThread)) && botPosts(completeThread));
    expect(askOut).toHaveLength(1);
    expect(askOut[0]?.content).toContain(INSTRUCT_ANSWER);
    expect(askOut[0]?.content).toMatch(/stopped: end of turn\n/);
    expect(completeOut).toHaveLength(1);
    expect(completeOut[0]?.content).toContain(`**Tell me a story**${expectedText(BASE_PATHS.other, 30)}`);
    expect(completeOut[0]?.content).toMatch(/-# 30 tokens · .* stopped: token limit \(30\)\n/);
  });

  it("splits a long output over several messages without breaking its code block or losing text", async () => {
    const { ix } = await runCommand("complete", [
      option("text", BASE_PATHS.code.prompt),
      option("temperature", 0),
      option("max_tokens", 64),
    ]);
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    const messages = await fake.waitFor(() => {
      const out = sideMessages(thread, "Base model");
      return finished(out) && out;
    });
    const expected = expectedText(BASE_PATHS.code, 64);
    expect(expected.length).toBeGreaterThan(3_000);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const bodies = messages.map((m, i) => {
      expect(m.content.length).toBeLessThanOrEqual(2_000);
      const fences = m.content.split("\n").filter((line) => line.startsWith("```")).length;
      expect(fences % 2).toBe(0);
      // Drop the label line, the status lines, the fence added to close and the one added to reopen.
      const lines = m.content.split("\n").slice(1);
      if (i === messages.length - 1) while (lines.at(-1)?.startsWith("-# ")) lines.pop();
      if (i > 0) lines.shift();
      lines.pop();
      return lines.join("\n") + "\n";
    });
    expect(bodies.join("")).toBe(`**${BASE_PATHS.code.prompt}**${expected}`);
  });

  it("never lets model output ping anyone", async () => {
    const { ix } = await runCommand("complete", [
      option("text", BASE_PATHS.mention.prompt),
      option("temperature", 0),
      option("max_tokens", 20),
    ]);
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    const [message] = await fake.waitFor(() => finished(botPosts(thread)) && botPosts(thread));
    expect(message?.content).toContain("@everyone");
    expect(message?.content).toContain("<@&123456789012345678>");
    expect(message?.content).toContain("https://example.com/x");
    // SUPPRESS_EMBEDS: links in model output do not unfurl.
    expect((message?.flags ?? 0) & 4).toBe(4);
    expect(fake.unsafeMentions).toEqual([]);
  });

  it("refuses invalid options ephemerally and queues nothing", async () => {
    const jobs = async () => Object.values((await bot.gateway?.queue.getJobCounts()) ?? {}).reduce((a, b) => a + b, 0);
    const before = await jobs();
    const blank = await runCommand("compare", [option("prompt", "  \u200b ")]);
    const tooMany = await runCommand("ask", [option("prompt", "hi"), option("max_tokens", 65)]);
    for (const { ix } of [blank, tooMany]) {
      const interaction = fake.interaction(ix.id);
      expect(interaction.ephemeral).toBe(true);
      expect(interaction.originalMessage?.threadId ?? null).toBeNull();
    }
    expect(replyText(blank.ix.id)).toMatch(/prompt is empty/);
    expect(replyText(tooMany.ix.id)).toMatch(/max_tokens must be a whole number from 1 to 64/);
    expect(await jobs()).toBe(before);
  });

  it("answers in place in a DM with the bot", async () => {
    const dm = fake.createDmChannel(ada.id);
    const { ix } = await runCommand("ask", [option("prompt", "hello?"), option("temperature", 0)], dm.id);
    const [message] = await fake.waitFor(() => finished(botPosts(dm.id)) && botPosts(dm.id));
    expect(message?.content).toContain(INSTRUCT_ANSWER);
    expect(fake.interaction(ix.id).originalMessage?.threadId ?? null).toBeNull();
  });

  it("answers in place where it may not open threads, in a voice channel's chat, and inside a thread", async () => {
    const noThreads = fake.createChannel(guild.id, {
      name: "no-threads",
      botPermissions: Permission.ViewChannel | Permission.SendMessages | Permission.SendMessagesInThreads,
    });
    await runCommand("ask", [option("prompt", "hi"), option("temperature", 0)], noThreads.id);
    const [inPlace] = await fake.waitFor(() => finished(botPosts(noThreads.id)) && botPosts(noThreads.id));
    expect(inPlace?.content).toContain(INSTRUCT_ANSWER);
    expect(fake.threads(noThreads.id)).toHaveLength(0);

    const voice = fake.createChannel(guild.id, { name: "voice", type: 2 });
    await runCommand("ask", [option("prompt", "hi"), option("temperature", 0)], voice.id);
    const [inVoice] = await fake.waitFor(() => finished(botPosts(voice.id)) && botPosts(voice.id));
    expect(inVoice?.content).toContain(INSTRUCT_ANSWER);

    const existing = fake.createThread(general.id, { name: "discussion" });
    await runCommand("ask", [option("prompt", "hi"), option("temperature", 0)], existing.id);
    const [inThread] = await fake.waitFor(() => finished(botPosts(existing.id)) && botPosts(existing.id));
    expect(inThread?.content).toContain(INSTRUCT_ANSWER);
  });

  it("tells the user, ephemerally, when it cannot post in a channel at all", async () => {
    const readOnly = fake.createChannel(guild.id, { name: "announcements-ro", botPermissions: Permission.ViewChannel });
    const { ix } = await runCommand("compare", [option("prompt", "hi")], readOnly.id);
    const interaction = fake.interaction(ix.id);
    expect(interaction.ephemeral).toBe(true);
    expect(replyText(ix.id)).toMatch(/can't post in this channel/);
  });
});

describe("a replayed interaction", () => {
  it("gets one job and one answer", async () => {
    const { ix } = await runCommand("ask", [option("prompt", "hi"), option("temperature", 0)]);
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    await fake.waitFor(() => finished(botPosts(thread)));
    // Discord delivers the same INTERACTION_CREATE again (as after a gateway resume): the bot's second
    // acknowledgement is refused (40060), and that is all that happens.
    fake.rules.expectError({ status: 400, code: 40060 });
    fake.redeliverInteraction(ix.id);
    await fake.waitFor(() => bot.logs.lines.some((l) => l.includes(ix.id) && l.includes("interaction seen before")));
    expect(fake.interaction(ix.id).responses).toHaveLength(1);
    expect(fake.interaction(ix.id).originalMessage?.embeds).toHaveLength(1); // the header, untouched
    expect(fake.threads(general.id).filter((t) => t.id === thread)).toHaveLength(1);
    // The answer, with the footer on it, once.
    await fake.waitFor(() => botPosts(thread).some(isFooter));
    expect(botPosts(thread)).toHaveLength(1);
    expect(await bot.gateway?.queue.getJob(jobIdFor(ix.id))).toBeDefined();
  });
});

describe("delivery after the interaction token expires", () => {
  it("a job that waits past the token's 15 minutes still delivers through the bot token", async () => {
    const worker = bot.worker?.worker;
    if (!worker) throw new Error("worker not running");
    await worker.pause();
    try {
      const { ix } = await runCommand("ask", [option("prompt", "hi"), option("temperature", 0)]);
      const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
      await fake.waitFor(() => bot.logs.lines.some((l) => l.includes(ix.id) && l.includes("request queued")));
      expect(await bot.gateway?.queue.getJobState(jobIdFor(ix.id))).toBe("waiting");
      fake.expireInteractionToken(ix.id);
      // The header's Stop button is taken away through the interaction first; refused, then with the bot token.
      fake.rules.expectError({ status: 401, code: 50027 });
      await worker.resume();
      const [message] = await fake.waitFor(() => finished(botPosts(thread)) && botPosts(thread));
      expect(message?.content).toContain(INSTRUCT_ANSWER);
      expect(fake.interaction(ix.id).tokenExpired).toBe(true);
      await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.components.length === 0);
    } finally {
      await worker.resume();
    }
  });
});

describe("secrets", () => {
  it("the bot token appears in no log line, job or Redis key", async () => {
    expect(bot.logs.lines.length).toBeGreaterThan(10);
    for (const line of bot.logs.lines) expect(line).not.toContain(fake.token);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${bot.config.redis.prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const dump = await redis.dumpBuffer(key);
        expect(dump?.toString("latin1") ?? "").not.toContain(fake.token);
      }
    } finally {
      redis.disconnect();
    }
  });
});
