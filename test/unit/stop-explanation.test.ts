import { describe, expect, it } from "vitest";
import { findInventedTurn } from "../../src/shared/invented-turn.js";
import { stopExplanation } from "../../src/shared/labels.js";
import { MESSAGE_LIMIT, renderOutput } from "../../workers/output/render-output.js";
import { parseResultButton, resultButtonRows } from "../../src/shared/result-buttons.js";

describe("findInventedTurn", () => {
  it.each([
    ["a new speaker in a chat log", " Fine, thanks.\nUser: And you?", { kind: "speaker", marker: "User:" }],
    ["a named speaker", " I agree.\n\nAlice: Me too.", { kind: "speaker", marker: "Alice:" }],
    ["a Q: of a Q&A page", " Paris.\nQ: What about Spain?", { kind: "speaker", marker: "Q:" }],
    ["a bold speaker label", "Sure.\n**Human:** hi", { kind: "speaker", marker: "Human:" }],
    ["a new question of its own", "\nWhat is the capital of Germany?\nWhat is", { kind: "question" }],
  ])("finds %s", (_, text, expected) => {
    expect(findInventedTurn(text)).toMatchObject(expected);
  });

  it.each([
    ["an answer on one line", "The capital of France is Paris."],
    ["a question in the model's own first line", "Did you mean Paris?"],
    ["a list that is not a turn", "Steps:\n1. Mix\n2. Bake"],
    ["a note label", "Paris.\nNote: it is also the largest city."],
    ["a link", "See\nhttps://example.com"],
  ])("ignores %s", (_, text) => {
    expect(findInventedTurn(text)).toBeNull();
  });
});

describe("stopExplanation", () => {
  const result = (stopReason: "endOfTurn" | "tokenLimit" | "stopSequence" | "aborted", text = "Paris.") => ({
    stopReason,
    text,
  });

  it("tells a base model's limit from an instruct model's unfinished turn", () => {
    expect(stopExplanation("base", result("tokenLimit"), 64)).toMatch(/a base model has no idea of a turn/);
    expect(stopExplanation("instruct", result("tokenLimit"), 64)).toBe(
      "It ran into the 64-token limit before it ended its turn.",
    );
    expect(stopExplanation("baseChat", result("tokenLimit"), 64)).toMatch(/a base model has no idea of a turn/);
  });

  it("names the end-of-turn token, and a base model's end-of-text for what it is", () => {
    expect(stopExplanation("instruct", { ...result("endOfTurn"), endToken: "<end_of_turn>" }, 64)).toBe(
      "It ended its turn: it wrote its end-of-turn token `<end_of_turn>`, which it learned in instruction tuning.",
    );
    expect(stopExplanation("base", { ...result("endOfTurn"), endToken: "</s>" }, 64)).toBe(
      "It wrote its end-of-text token `</s>`: the end of a document, not of a turn.",
    );
  });

  it("says who pressed Stop and adds an invented speaker to any reason", () => {
    expect(stopExplanation("base", result("aborted"), 64, "mod")).toBe("mod pressed Stop.");
    expect(stopExplanation("base", result("tokenLimit", " Hi.\nUser: hello"), 64)).toContain(
      "Along the way it invented a new speaker (`User:`)",
    );
    // An instruct model writing a dialogue inside its turn was asked to, most likely.
    expect(stopExplanation("instruct", result("endOfTurn", "Sure:\nUser: hello"), 64)).not.toContain("invented");
  });
});

describe("renderOutput with every explanation at once", () => {
  it("keeps every message within Discord's limit and the whole status at the end", () => {
    const text = `${"A long line of output. ".repeat(300)}\nUser: and then?\n`;
    const messages = renderOutput({
      // Every status line at once (no real side has them all): the longest a last message can get.
      kind: "compare",
      side: "baseChat",
      modelName: "m".repeat(200),
      prompt: "p",
      maxTokens: 8192,
      phase: "done",
      text,
      result: { text, tokens: 8192, stopReason: "tokenLimit", timeToFirstTokenMs: 1, durationMs: 1, droppedTurns: 12 },
    });
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(messages.at(-1)).toMatch(
      /invented a new speaker \(`User:`\).*\n-# ✂️ Left out the first 12 turns of this conversation: they no longer fit in the model's context\.$/,
    );
  });
});

describe("result buttons", () => {
  it("carry the request's interaction id and what they do", () => {
    const ids = resultButtonRows("123", true)
      .flatMap((row) => row.components)
      .map((button) => ("custom_id" in button ? button.custom_id : ""));
    expect(ids).toEqual(["vote:123:A", "vote:123:B", "vote:123:tie", "vote:123:bothBad", "prompts:123"]);
    expect(ids.map(parseResultButton)).toEqual([
      { action: "vote", interactionId: "123", choice: "A" },
      { action: "vote", interactionId: "123", choice: "B" },
      { action: "vote", interactionId: "123", choice: "tie" },
      { action: "vote", interactionId: "123", choice: "bothBad" },
      { action: "prompts", interactionId: "123" },
    ]);
    expect(resultButtonRows("123", false)).toHaveLength(1);
    const labels = (names?: [string, string]) =>
      resultButtonRows("1", true, names)[0]?.components.map((b) => ("label" in b ? b.label : ""));
    expect(labels()).toEqual(["A is better", "B is better", "Tie", "Both bad"]);
    expect(labels(["Base model", "Instruct model"])).toEqual([
      "Base model is better",
      "Instruct model is better",
      "Tie",
      "Both bad",
    ]);
    expect(parseResultButton("vote:123:maybe")).toBeNull();
    expect(parseResultButton("stop:123")).toBeNull();
  });
});
