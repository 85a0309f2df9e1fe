import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway } from "../../src/gateway/main.js";
import { askCommand, startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord } from "../support/fake-discord/index.js";
import { INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;

beforeAll(async () => {
  setup = await startTestBot();
  ({ fake, bot } = setup);
});

afterAll(() => setup?.close());

it("jobs queued before the gateway restarts are still delivered, and the new gateway takes commands", async () => {
  const guild = fake.createGuild();
  const channel = fake.createChannel(guild.id);
  const user = fake.createUser();
  const worker = bot.worker?.worker;
  if (!worker || !bot.gateway) throw new Error("bot not running");
  await worker.pause();
  const first = await askCommand(fake, channel.id, user);
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
  const second = await askCommand(fake, channel.id, user);
  const secondThread = await fake.waitFor(() => fake.interaction(second.id).originalMessage?.threadId);
  await fake.waitFor(() => fake.messages(secondThread).some((m) => /stopped: end of turn/.test(m.content)));
});
