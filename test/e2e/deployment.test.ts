import { afterAll, beforeAll, expect, it } from "vitest";
import { isFooter, testConfig, testModels } from "../support/bot.js";
import { FakeDiscord, type FakeChannel, type FakeUser } from "../support/fake-discord/index.js";
import { envOf, spawnBotProcess, type BotProcess } from "../support/processes.js";
import { deletePrefix } from "../support/redis.js";
import { BASE_PATHS, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let fake: FakeDiscord;
let models: Awaited<ReturnType<typeof testModels>>;
let prefix = "";
const processes: BotProcess[] = [];
let channel: FakeChannel;
let ada: FakeUser;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  models = await testModels();
  const config = testConfig(fake, models);
  prefix = config.redis.prefix;
  // As deployed: each process on its own, configured by its environment, with the default limits (the test
  // configuration lifts them; these variables are left out so the defaults apply).
  const env = envOf(config, { LOG_LEVEL: "info" });
  for (const name of ["USER_COOLDOWN_SECONDS", "USER_MAX_IN_FLIGHT", "GUILD_MAX_IN_FLIGHT"]) delete env[name];
  const worker = spawnBotProcess("worker", env);
  const gateway = spawnBotProcess("gateway", env);
  processes.push(worker, gateway);
  await Promise.all([worker.waitForLog(/"models loaded"/, 60_000), gateway.waitForLog(/"gateway ready"/, 60_000)]);
  channel = fake.createChannel(fake.createGuild().id, { name: "general" });
  ada = fake.createUser({ username: "ada" });
}, 90_000);

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  await fake?.close();
  await models?.cleanup();
  if (prefix) await deletePrefix(prefix);
});

const compare = () =>
  fake.invokeCommand({
    name: "compare",
    options: [
      { name: "prompt", value: BASE_PATHS.question.prompt },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: 16 },
    ],
    channelId: channel.id,
    user: ada,
  });

it("gateway and worker as separate processes, default limits: an answer, a cooldown, a clean shutdown", async () => {
  const first = await compare();
  const thread = await fake.waitFor(() => fake.interaction(first.id).originalMessage?.threadId);
  // The default cooldown (5 s) refuses the same member's next request, privately, saying when to retry.
  const second = await compare();
  const refusal = await fake.waitFor(() => fake.interaction(second.id).followups[0]);
  expect(refusal.ephemeral).toBe(true);
  expect(refusal.content).toMatch(/Slow down a little: you can send another request in [1-5] s\./);
  expect(fake.interaction(second.id).originalMessage?.deleted ?? true).toBe(true);

  const messages = await fake.waitFor(() => {
    const posted = fake.messages(thread);
    return posted.some(isFooter) && posted;
  });
  expect(messages.map((m) => m.content.split(" · ")[0])).toEqual(
    expect.arrayContaining(["**Base model**", "**Instruct model**"]),
  );
  expect(messages.find((m) => m.content.startsWith("**Instruct model**"))?.content).toContain(INSTRUCT_ANSWER);
  await fake.waitFor(() => fake.interaction(first.id).originalMessage?.components.length === 0);

  // SIGTERM: each process closes in order and exits 0.
  for (const p of processes) p.child.kill("SIGTERM");
  expect(await Promise.all(processes.map((p) => p.exited))).toEqual([0, 0]);
  expect(processes[0]?.lines.some((l) => l.includes('"worker closed"'))).toBe(true);
  expect(processes[1]?.lines.some((l) => l.includes('"gateway closed"'))).toBe(true);
});
