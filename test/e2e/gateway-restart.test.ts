import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway } from "../../src/gateway.js";
import { startBot, testConfig, testModels, type RunningBot } from "../support/bot.js";
import { FakeDiscord } from "../support/fake-discord/index.js";
import { INSTRUCT_ANSWER } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let bot: RunningBot;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  bot = await startBot(testConfig(fake, models));
});

afterAll(async () => {
  await bot?.close();
  await fake?.close();
  await models?.cleanup();
});

it("jobs queued before the gateway restarts are still delivered, and the new gateway takes commands", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id);
  const user = fake.createUser();
  const ask = {
    name: "ask",
    options: [
      { name: "prompt", value: "hi" },
      { name: "temperature", value: 0 },
    ],
    channelId: channel.id,
    user,
  };
  const worker = bot.worker?.worker;
  if (!worker || !bot.gateway) throw new Error("bot not running");
  await worker.pause();
  const first = await fake.invokeCommand(ask);
  const thread = await fake.waitFor(() => fake.interaction(first.id).originalMessage?.threadId);
  await fake.waitFor(() => bot.logs.lines.some((l) => l.includes(first.id) && l.includes("request queued")));

  await bot.gateway.close();
  await worker.resume();
  const [answer] = await fake.waitFor(() => {
    const messages = fake.messages(thread);
    return messages.some((m) => /stopped: /.test(m.content)) && messages;
  });
  expect(answer?.content).toContain(INSTRUCT_ANSWER);

  const restarted = await startGateway(bot.config, bot.log.child({ process: "gateway-2" }));
  bot.gateway = restarted;
  const second = await fake.invokeCommand(ask);
  const secondThread = await fake.waitFor(() => fake.interaction(second.id).originalMessage?.threadId);
  await fake.waitFor(() => fake.messages(secondThread).some((m) => /stopped: end of turn/.test(m.content)));
});
