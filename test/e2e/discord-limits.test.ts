import { afterAll, beforeAll, expect, it } from "vitest";
import { isFooter, startTestBot, type TestBot } from "../support/bot.js";
import { Permission, type FakeDiscord, type FakeUser } from "../support/fake-discord/index.js";
import { BASE_PATHS, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let ada: FakeUser;

beforeAll(async () => {
  setup = await startTestBot();
  fake = setup.fake;
  ada = fake.createUser({ username: "ada" });
});

afterAll(() => setup?.close());

const compare = (channelId: string) =>
  fake.invokeCommand({
    name: "compare",
    options: [
      { name: "prompt", value: BASE_PATHS.question.prompt },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: 16 },
    ],
    channelId,
    user: ada,
  });

it("in a channel with slowmode, the whole answer arrives: each refused send waits its turn, none is doubled", async () => {
  const guild = fake.createGuild();
  // No thread permission: the answer goes in the channel itself, whose slowmode binds the bot.
  const channel = fake.createChannel(guild.id, {
    name: "slow",
    botPermissions: Permission.ViewChannel | Permission.SendMessages | Permission.AttachFiles,
  });
  fake.setSlowmode(channel.id, 1);
  // Two sides are two sends (the footer rides on the second), one second apart at best: a few waits at most.
  fake.rules.allowRateLimits(4);
  const ix = await compare(channel.id);
  const posted = await fake.waitFor(
    () => {
      const messages = fake.messages(channel.id).filter((m) => !m.interactionId);
      return messages.some(isFooter) && messages;
    },
    { timeoutMs: 15_000 },
  );
  expect(fake.rateLimitHits.some((h) => h.bucket === "code:20016")).toBe(true);
  expect(posted.map((m) => m.content.split(" · ")[0])).toEqual(["**Base model**", "**Instruct model**"]);
  expect(isFooter(posted[1] ?? { components: [] })).toBe(true);
  expect(posted[1]?.content).toContain(INSTRUCT_ANSWER);
  expect(fake.interaction(ix.id).originalMessage?.threadId ?? null).toBeNull();
});

it("in a server at its active-thread limit, the answer comes in the channel instead", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id, { name: "busy" });
  fake.setMaxActiveThreads(0);
  fake.rules.expectError({ status: 400, code: 160006 });
  try {
    const ix = await compare(channel.id);
    await fake.waitFor(() => fake.messages(channel.id).some(isFooter));
    expect(fake.threads(channel.id)).toHaveLength(0);
    const header = fake.interaction(ix.id).originalMessage?.embeds[0] as { footer?: { text: string } } | undefined;
    expect(header?.footer?.text).toBe("The answer streams in below.");
  } finally {
    fake.setMaxActiveThreads(1000);
  }
});
