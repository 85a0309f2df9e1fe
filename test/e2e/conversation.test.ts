import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerTo, isFooter, pressButton, startTestBot, type TestBot } from "../support/bot.js";
import type { FakeChannel, FakeDiscord, FakeMessage, FakeUser } from "../support/fake-discord/index.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { INSTRUCT_ANSWER } from "../support/tiny-models.js";
import { jobIdFor } from "../../src/shared/jobs.js";
import { loadConversation } from "../../src/shared/store/conversations.js";
import { loadResult } from "../../src/shared/store/results.js";

let setup: TestBot;
let fake: FakeDiscord;
let channel: FakeChannel;
let ada: FakeUser;

beforeAll(async () => {
  // Room to ask for as many tokens as the model's context holds (2048), and more.
  setup = await startTestBot({ MAX_NEW_TOKENS: "4096" });
  fake = setup.fake;
  const guild = fake.createGuild({ name: "Lab" });
  channel = fake.createChannel(guild.id, { name: "chat" });
  ada = fake.createUser({ username: "ada" });
});

afterAll(() => setup?.close());

/** /ask in `channelId`; returns the header, the place the answer went, and the answer once its footer is there. */
async function ask(channelId: string, prompt: string, maxTokens = 64) {
  const ix = await fake.invokeCommand({
    name: "ask",
    options: [
      { name: "prompt", value: prompt },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: maxTokens },
    ],
    channelId,
    user: ada,
  });
  // In the channel, the answer goes to a new thread on the header; in a thread, in place.
  const header = await fake.waitFor(() => {
    const message = fake.interaction(ix.id).originalMessage;
    return message && !message.loading && (channelId !== channel.id || message.threadId !== null) && message;
  });
  const place = header.threadId ?? channelId;
  const footer = await fake.waitFor(() =>
    fake.messages(place).find((m) => isFooter(m) && JSON.stringify(m.components).includes(ix.id)),
  );
  const answers = fake.messages(place).filter((m) => m.content.startsWith("**Instruct model**"));
  return { header, place, footer, answer: answers.at(-1) as FakeMessage, interactionId: ix.id };
}

/** Presses "Show the exact prompts" under a result; returns the private answer. */
const pressPrompts = (footer: FakeMessage) => pressButton(fake, footer, "prompts:", ada);

/** The exact-prompts text of a result, as the member who presses the button sees it, without its colours. */
async function exactPrompt(footer: FakeMessage): Promise<string> {
  const { description } = (await pressPrompts(footer)).embeds[0] as { description: string };
  return description.replaceAll("\u001b[1;36m", "").replaceAll("\u001b[0m", "");
}

const headerHow = (header: FakeMessage) =>
  (header.embeds[0] as { fields: { name: string; value: string }[] }).fields.find((f) => f.name === "How")?.value;

describe("/ask conversations in threads", () => {
  it("/ask inside an /ask thread continues the conversation with the thread's history", async () => {
    const first = await ask(channel.id, "My name is Ada. Remember it?");
    expect(first.place).not.toBe(channel.id); // a new thread
    expect(headerHow(first.header)).toBeUndefined();

    const second = await ask(first.place, "What did I just tell you?");
    expect(second.place).toBe(first.place); // answered in the same thread
    expect(headerHow(second.header)).toBe(
      "Continues the conversation in this thread: the model is given the 1 earlier turn.",
    );
    expect(second.answer.content).toContain(INSTRUCT_ANSWER);
    // The model saw the first exchange, in the chat template, before the new message.
    expect(await exactPrompt(second.footer)).toContain(
      `<|im_start|>user\nMy name is Ada. Remember it?<|im_end|>\n<|im_start|>assistant\n${INSTRUCT_ANSWER}<|im_end|>\n<|im_start|>user\nWhat did I just tell you?<|im_end|>`,
    );
  });

  it("leaves out the earliest turns once the conversation no longer fits the context, and says so", async () => {
    // Each character of these prompts is one token of the test model, whose context holds 2048.
    const long = "x".repeat(1200);
    const first = await ask(channel.id, `${long}?`);
    const second = await ask(first.place, `${"y".repeat(1000)}?`);
    expect(headerHow(second.header)).toContain("the 1 earlier turn");
    expect(second.answer.content).toContain(
      "-# ✂️ Left out the first 1 turn of this conversation: they no longer fit in the model's context.",
    );
    const seen = await exactPrompt(second.footer);
    expect(seen).not.toContain(long);
    expect(seen).toContain("yyyy");
  });

  it("an answer shows complete only once its exchange and result are kept: a follow-up asked at once finds them", async () => {
    // A slow Discord: the footer's edit is visible here well before the worker hears that it went through.
    fake.setLatency(300);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const first = await ask(channel.id, "My name is Ada. Remember it?");
      // Read the moment the footer shows, as a member pressing a button or asking again at once would.
      const [turns, result] = await Promise.all([
        loadConversation(redis, setup.bot.config.redis.prefix, first.place),
        loadResult(redis, setup.bot.config.redis.prefix, jobIdFor(first.interactionId)),
      ]);
      expect(turns.map((t) => t.prompt)).toEqual(["My name is Ada. Remember it?"]);
      expect(result?.sides.instruct?.text).toContain(INSTRUCT_ANSWER);
    } finally {
      fake.setLatency(0);
      redis.disconnect();
    }
  });

  it("keeps the latest turns that fit beside max_tokens, and says how many it left out", async () => {
    const first = await ask(channel.id, `${"x".repeat(600)}?`);
    await ask(first.place, `${"y".repeat(600)}?`);
    // Both earlier turns and 700 tokens for the answer are more than 2048; the latest turn and 700 are not.
    const third = await ask(first.place, `${"z".repeat(300)}?`, 700);
    expect(headerHow(third.header)).toContain("the 2 earlier turns");
    expect(third.answer.content).toContain(INSTRUCT_ANSWER);
    expect(third.answer.content).toContain(
      "-# ✂️ Left out the first 1 turn of this conversation: they no longer fit in the model's context.",
    );
    expect(third.answer.content).not.toContain("max_tokens capped");
    const seen = await exactPrompt(third.footer);
    expect(seen).not.toContain("xxxx");
    expect(seen).toContain("y".repeat(600));
  });

  it("caps max_tokens where the new message leaves no room for it, and says so in the answer", async () => {
    const first = await ask(channel.id, "Hello?");
    // A 1000-token message: with 1500 more for the answer it cannot fit a 2048-token context, turns or not.
    const second = await ask(first.place, `${"y".repeat(1000)}?`, 1500);
    const seen = await exactPrompt(second.footer);
    const inputTokens = Number(seen.match(/\*\*(\d+) tokens\.\*\*/)?.[1]);
    expect(inputTokens).toBeGreaterThan(1000);
    // All that is left of the context (less the one token node-llama-cpp keeps free) goes to the answer.
    const capped = 2048 - 1 - inputTokens;
    expect(second.answer.content).toContain(
      `-# ✂️ max_tokens capped to ${capped}: the model's context holds 2048 tokens, and the prompt takes the rest.`,
    );
    expect(second.answer.content).toContain(
      "-# ✂️ Left out the first 1 turn of this conversation: they no longer fit in the model's context.",
    );
    expect(second.answer.content).toContain(INSTRUCT_ANSWER);
  });

  it("/ask outside a thread, or in a thread the bot never talked in, starts fresh", async () => {
    const thread = fake.createThread(channel.id, { name: "someone else's" });
    const fresh = await ask(thread.id, "Hello?");
    expect(fresh.place).toBe(thread.id);
    expect(headerHow(fresh.header)).toBeUndefined();
    const seen = await exactPrompt(fresh.footer);
    expect(seen).toMatch(/<\|im_start\|>user\nHello\?<\|im_end\|>/);
    expect(seen.match(/<\|im_start\|>user/g)).toHaveLength(1);
  });
});

describe("a result no longer stored", () => {
  it("says so, privately, when its exact prompts are asked for", async () => {
    const { footer } = await ask(channel.id, "Hello?");
    const interactionId = JSON.stringify(footer.components).match(/"prompts:(\d+)"/)?.[1] ?? "";
    const redis = new Redis(TEST_REDIS_URL);
    try {
      // As after the 30 days results are kept (RESULT_RETENTION_DAYS).
      await redis.del(`${setup.bot.config.redis.prefix}:result:ix-${interactionId}`);
    } finally {
      redis.disconnect();
    }
    const reply = await pressPrompts(footer);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(
      "This result is no longer stored: results are kept for 30 days, comparisons with votes for 365 days.",
    );
  });
});

describe("/models", () => {
  it("shows the loaded pair with size, quantization, context, chat template, backend, workers and queue", async () => {
    const ix = await fake.invokeCommand({ name: "models", channelId: channel.id, user: ada });
    const reply = await answerTo(fake, ix.id);
    const [embed] = reply.embeds as { description: string; fields: { name: string; value: string }[] }[];
    expect(embed?.description).toMatch(
      /\*\*Base\*\* `tiny-base`\n-# \d+\.\d MiB · F32 · context 2048 tokens \(trained on 2048\)\n-# no chat template in the file/,
    );
    expect(embed?.description).toMatch(
      /\*\*Instruct\*\* `tiny-instruct`\n-# \d+\.\d MiB · F32 · context 2048 tokens \(trained on 2048\)\n-# chat template: ChatML/,
    );
    expect(embed?.description).toContain("**Workers online** 1 · 2 requests at once in all");
    expect(embed?.description).toMatch(/\*\*Queue\*\* 0 waiting · 0 generating/);
    expect(embed?.fields).toHaveLength(1);
    expect(embed?.fields[0]?.value).toMatch(/^CPU · 2 at once · up since <t:\d+:R>$/);
  });
});
