import { afterAll, beforeAll, expect, it } from "vitest";
import { jobIdFor } from "../../src/shared/jobs.js";
import { isAnswer, isFooter, startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import type { FakeChannel, FakeDiscord, FakeUser } from "../support/fake-discord/index.js";
import { BASE_PATHS, SAMPLING_PATH } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;
let channel: FakeChannel;
let ada: FakeUser;

beforeAll(async () => {
  // One sequence per model: a side that kept its sequence after its job ended would block the next job.
  setup = await startTestBot({ WORKER_CONCURRENCY: "1", MAX_NEW_TOKENS: "3000" });
  ({ fake, bot } = setup);
  channel = fake.createChannel(fake.createGuild().id, { name: "general" });
  ada = fake.createUser({ username: "ada" });
});

afterAll(() => setup?.close());

const compare = (prompt: string, extra: { name: string; value: string | number }[] = []) =>
  fake.invokeCommand({
    name: "compare",
    options: [{ name: "prompt", value: prompt }, { name: "temperature", value: 0 }, ...extra],
    channelId: channel.id,
    user: ada,
  });

it("when one side fails, the others stop at once, say so, and free their sequences for the next job", async () => {
  // The 2x2 on the sampling path: three of its four sides write for thousands of tokens.
  const ix = await compare(SAMPLING_PATH.prompt, [
    { name: "mode", value: "matrix" },
    { name: "max_tokens", value: 3000 },
  ]);
  const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
  const next = await compare(BASE_PATHS.question.prompt, [{ name: "max_tokens", value: 16 }]);
  // A moderator deletes the base side's message while both models are still writing: its next edit is refused.
  const base = await fake.waitFor(() => fake.messages(thread).find((m) => m.content.startsWith("**Base model**")));
  const instructRaw = await fake.waitFor(() =>
    fake.messages(thread).find((m) => m.content.startsWith("**Instruct model, raw**")),
  );
  fake.rules.expectError({ status: 404, code: 10008, times: "any" });
  fake.deleteMessage(base.id);

  const jobId = jobIdFor(ix.id);
  await fake.waitFor(() => bot.logs.records().some((r) => r.jobId === jobId && r.msg === "generation failed"), {
    timeoutMs: 15_000,
  });
  // Every side still in the thread ends with why, its text as far as it had got, and nothing still "generating".
  const notice = /A message of this answer was deleted before the answer was finished/;
  await fake.waitFor(
    () => {
      const messages = fake.messages(thread);
      const raw = messages.filter((m) =>
        /^(\*\*Instruct model, raw\*\*|-# Instruct model, raw, continued)/.test(m.content),
      );
      return notice.test(raw.at(-1)?.content ?? "") && messages.every((m) => !/generating…/.test(m.content));
    },
    { timeoutMs: 30_000 },
  );
  expect(instructRaw.id).toBeTruthy();
  const nextThread = await fake.waitFor(() => fake.interaction(next.id).originalMessage?.threadId);
  await fake.waitFor(() => fake.messages(nextThread).some(isFooter), { timeoutMs: 15_000 });
  // The header says what happened.
  await fake.waitFor(() => notice.test(fake.interaction(ix.id).originalMessage?.content ?? ""));
  // The next job ran with both models' sequences: two answers, no failure.
  const answers = fake.messages(nextThread).filter(isAnswer);
  expect(answers.map((m) => m.content.split(" · ")[0])).toEqual(["**Base model**", "**Instruct model**"]);
  await fake.waitFor(() =>
    bot.logs.records().some((r) => r.jobId === jobIdFor(next.id) && r.msg === "generation finished"),
  );
});
