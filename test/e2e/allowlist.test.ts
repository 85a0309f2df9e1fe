import { afterAll, beforeAll, expect, it } from "vitest";
import { startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord } from "../support/fake-discord/index.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let bot: RunningBot;
let allowed: string;
let other: string;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  const guild = fake.createGuild();
  allowed = fake.createChannel(guild.id, { name: "llm-lab" }).id;
  other = fake.createChannel(guild.id, { name: "general" }).id;
  bot = await startBot(testConfig(fake, models, { ALLOWED_CHANNEL_IDS: allowed }), { worker: false });
});

afterAll(async () => {
  await bot?.close();
  await fake?.close();
  await models?.cleanup();
});

it("answers in an allowed channel and refuses elsewhere, ephemerally, naming where to go", async () => {
  const user = fake.createUser();
  const ask = (channelId: string) =>
    fake.invokeCommand({ name: "ask", options: [{ name: "prompt", value: "hi" }], channelId, user });
  const refused = await ask(other);
  const accepted = await ask(allowed);
  await fake.waitFor(() => fake.interaction(refused.id).acknowledged && fake.interaction(accepted.id).acknowledged);
  expect(fake.interaction(refused.id).ephemeral).toBe(true);
  expect((fake.interaction(refused.id).responses[0]?.data as { content?: string }).content).toBe(
    `This bot answers only in <#${allowed}>.`,
  );
  expect(fake.interaction(accepted.id).ephemeral).toBe(false);
});
