import { describe, expect, it } from "vitest";
import { statsText, stopReasonText } from "../../src/shared/labels.js";
import { MESSAGE_LIMIT, renderOutput, renderSide, type OutputView } from "../../workers/output/render-output.js";
import { renderHeader } from "../../src/gateway/render-header.js";

const view = (overrides: Partial<OutputView>): OutputView => ({
  kind: "compare",
  side: "instruct",
  modelName: "gemma-3-270m-it",
  prompt: "What is the capital of France?",
  maxTokens: 64,
  phase: "generating",
  text: "Paris.",
  ...overrides,
});

describe("renderOutput", () => {
  it("labels the side with its model and how it was prompted", () => {
    const [message] = renderOutput(view({}));
    expect(message).toMatch(/^\*\*Instruct model\*\* · `gemma-3-270m-it` · chat template/);
    expect(message).toContain("Paris.");
    expect(message).toMatch(/generating…$/);
  });

  it("shows the base side's prompt in bold, then where the model took over", () => {
    const [message] = renderOutput(view({ side: "base", text: " Paris is the capital", prompt: "The *capital*?" }));
    expect(message).toContain("**The \\*capital\\*?** Paris is the capital");
  });

  it("ends a finished side with its stats and why it stopped, in words", () => {
    const result = {
      text: "Paris.",
      tokens: 3,
      stopReason: "endOfTurn" as const,
      timeToFirstTokenMs: 12,
      durationMs: 1500,
    };
    const messages = renderOutput(view({ phase: "done", result }));
    expect(messages.at(-1)).toMatch(/-# 3 tokens · 2\.0 tok\/s · first token 12 ms · stopped: end of turn\n/);
    expect(messages.at(-1)).toMatch(
      /-# 💡 It ended its turn: it wrote its end-of-turn token, which it learned in instruction tuning\.$/,
    );
  });

  it("continues long output in further messages, each filled up to Discord's limit, labelled as continued", () => {
    const messages = renderOutput(view({ text: "word ".repeat(1500) }));
    expect(messages.length).toBe(5);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    for (const m of messages.slice(0, -1)) expect(m.length).toBeGreaterThan(1750);
    expect(messages[1]).toMatch(/^-# Instruct model, continued \(part 2\)\n/);
  });

  it("keeps the cuts where they were as the text grows, so earlier messages need no edit", () => {
    const words = "word ".repeat(1500);
    const shorter = renderSide(view({ text: words.slice(0, 5000) })).pieces;
    const longer = renderSide(view({ text: words })).pieces;
    expect(longer.slice(0, shorter.length - 1)).toEqual(shorter.slice(0, -1));
  });

  it("moves text on to one more message where the last one and a long status would not fit", () => {
    const result = {
      text: "x",
      tokens: 64,
      stopReason: "tokenLimit" as const,
      timeToFirstTokenMs: 12,
      durationMs: 1500,
    };
    const text = "word ".repeat(359); // one full message of body
    const messages = renderOutput(view({ side: "base", phase: "done", text, result }));
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(messages.join("\n")).toContain(text.trim().slice(-40));
    expect(messages.at(-1)).toMatch(/💡/);
  });

  it("says so when a model produced nothing", () => {
    const result = { text: "", tokens: 1, stopReason: "endOfTurn" as const, timeToFirstTokenMs: 5, durationMs: 5 };
    expect(renderOutput(view({ phase: "done", text: "", result }))[0]).toContain("the model produced no text");
  });

  it("shows a failure where the answer would have been", () => {
    expect(renderOutput(view({ phase: "failed", failure: "Something went wrong (abc)" }))[0]).toMatch(
      /⚠️ Something went wrong \(abc\)$/,
    );
  });
});

describe("labels", () => {
  it("puts stop reasons in words", () => {
    expect(stopReasonText("endOfTurn", 10)).toBe("end of turn");
    expect(stopReasonText("tokenLimit", 10)).toBe("token limit (10)");
    expect(stopReasonText("stopSequence", 10)).toBe("stop sequence");
  });

  it("formats stats", () => {
    expect(
      statsText({ text: "", tokens: 1, stopReason: "tokenLimit", timeToFirstTokenMs: null, durationMs: 0 }, 1),
    ).toBe("1 token · – tok/s · first token – · stopped: token limit (1)");
  });
});

describe("renderHeader", () => {
  it("shows who asked, the prompt, both models, the shared sampling and the queue", () => {
    const embed = renderHeader({
      kind: "compare",
      prompt: "Hi",
      requester: "Ada",
      models: { base: "b", instruct: "i" },
      sampling: { temperature: 0.7, maxTokens: 64, seed: 42 },
      waiting: 2,
      placement: { mode: "thread" },
    });
    expect(embed.author?.name).toBe("Ada asked");
    expect(embed.description).toBe("Hi");
    expect(embed.fields?.map((f) => f.value).join("\n")).toMatch(
      /base `b`\ninstruct `i`[\s\S]*temperature 0.7 · up to 64 tokens · seed 42\n\(same for both sides\)[\s\S]*2 requests ahead/,
    );
    expect(embed.footer?.text).toMatch(/thread below/);
  });
});
