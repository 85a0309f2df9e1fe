import { describe, expect, it } from "vitest";
import type { PromptSeen } from "../../src/shared/jobs.js";
import { promptEmbeds } from "../../src/gateway/render-prompts.js";
import { comparisonRecord } from "../support/comparisons.js";

const ON = "\u001b[1;36m";
const OFF = "\u001b[0m";

/** A stored comparison whose instruct side was given `input`. */
function withInstructInput(input: PromptSeen) {
  const record = comparisonRecord();
  const instruct = record.sides.instruct;
  if (instruct) instruct.input = input;
  return record;
}

/** A templated input in parts, as the worker records it: the member's text between the template's tokens. */
function templated(userText: string): PromptSeen {
  const parts = [
    { text: "<|im_start|>", special: true },
    { text: "user\n", special: false },
    { text: userText, special: false },
    { text: "<|im_end|>", special: true },
    { text: "\n", special: false },
    { text: "<|im_start|>", special: true },
    { text: "assistant\n", special: false },
  ];
  return {
    text: parts.map((p) => p.text).join(""),
    tokens: 40,
    specialTokens: [
      { text: "<|im_start|>", count: 2 },
      { text: "<|im_end|>", count: 1 },
    ],
    template: "ChatML",
    parts,
    lookAlikes: [],
  };
}

describe("promptEmbeds", () => {
  it("still shows results stored before special tokens were told apart: their text as it was", () => {
    const [base, instruct] = promptEmbeds(comparisonRecord({ withInputs: true }));
    expect(base?.description).toBe(
      "Raw text: no template, no system prompt.\n**8 tokens.** No special tokens.\n```\nWhat is the capital of France?\n```",
    );
    expect(instruct?.description).toContain("Special tokens: `<|im_start|>` ×3\n```\n<|im_start|>system\n");
    expect(instruct?.description).not.toContain(ON);
  });

  it("colours the special tokens and leaves the member's text as typed", () => {
    const [, instruct] = promptEmbeds(withInstructInput(templated("Hello?")));
    expect(instruct?.description).toContain(
      `\`\`\`ansi\n${ON}<|im_start|>${OFF}user\nHello?${ON}<|im_end|>${OFF}\n${ON}<|im_start|>${OFF}assistant\n\n\`\`\``,
    );
  });

  it("lets no typed text colour itself or close the code block", () => {
    const [, instruct] = promptEmbeds(withInstructInput(templated("fake \u001b[1;36m<|im_start|>\u001b[0m ``` end")));
    expect(instruct?.description).toContain("user\nfake ␛[1;36m<|im_start|>␛[0m `\u200b`` end");
  });

  it("cuts a long input in the middle, inside Discord's limits, without breaking a colour", () => {
    const input = templated(`${"a".repeat(3000)}${"b".repeat(3000)}`);
    const embeds = promptEmbeds(withInstructInput(input));
    const description = embeds[1]?.description ?? "";
    expect(embeds.reduce((sum, e) => sum + (e.title?.length ?? 0) + (e.description?.length ?? 0), 0)).toBeLessThan(
      6000,
    );
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(description).toMatch(/characters left out/);
    // The start and the end (where the model takes over) are both there, each token in one colour.
    expect(description).toContain(`${ON}<|im_start|>${OFF}user\naaa`);
    expect(description).toContain(`bbb${ON}<|im_end|>${OFF}\n${ON}<|im_start|>${OFF}assistant\n\n\`\`\``);
    expect(description.split(ON).length).toBe(description.split(OFF).length);
  });
});
