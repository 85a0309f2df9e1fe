import { afterAll, beforeAll, expect, it } from "vitest";
import { askCommand, startTestBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord } from "../support/fake-discord/index.js";

let setup: TestBot;
let fake: FakeDiscord;
let allowed: string;
let other: string;

beforeAll(async () => {
  setup = await startTestBot(
    (discord) => {
      const guild = discord.createGuild();
      allowed = discord.createChannel(guild.id, { name: "llm-lab" }).id;
      other = discord.createChannel(guild.id, { name: "general" }).id;
      return { ALLOWED_CHANNEL_IDS: allowed };
    },
    { worker: false },
  );
  ({ fake } = setup);
});

afterAll(() => setup?.close());

it("answers in an allowed channel and refuses elsewhere, ephemerally, naming where to go", async () => {
  const user = fake.createUser();
  const ask = (channelId: string) => askCommand(fake, channelId, user);
  const refused = await ask(other);
  const accepted = await ask(allowed);
  await fake.waitFor(() => fake.interaction(refused.id).acknowledged && fake.interaction(accepted.id).acknowledged);
  expect(fake.interaction(refused.id).ephemeral).toBe(true);
  expect((fake.interaction(refused.id).responses[0]?.data as { content?: string }).content).toBe(
    `This bot answers only in <#${allowed}>.`,
  );
  expect(fake.interaction(accepted.id).ephemeral).toBe(false);
});
