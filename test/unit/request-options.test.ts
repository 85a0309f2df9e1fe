import { describe, expect, it } from "vitest";
import { UserError } from "../../src/shared/errors.js";
import {
  cleanPrompt,
  DEFAULT_TEMPERATURE,
  parseRequest,
  type RawRequestOptions,
} from "../../src/gateway/request-options.js";

const raw = (overrides: Partial<RawRequestOptions>): RawRequestOptions => ({
  prompt: "Hello",
  temperature: null,
  maxTokens: null,
  seed: null,
  ...overrides,
});
const limits = { maxNewTokens: 256 };

describe("parseRequest", () => {
  it("fills in defaults: temperature, the server's token cap and a random seed", () => {
    const request = parseRequest(raw({}), limits);
    expect(request.prompt).toBe("Hello");
    expect(request.sampling.temperature).toBe(DEFAULT_TEMPERATURE);
    expect(request.sampling.maxTokens).toBe(256);
    expect(Number.isInteger(request.sampling.seed)).toBe(true);
  });

  it("keeps what the user chose", () => {
    expect(parseRequest(raw({ temperature: 0, maxTokens: 12, seed: 7 }), limits).sampling).toEqual({
      temperature: 0,
      maxTokens: 12,
      seed: 7,
    });
  });

  it.each([
    ["an empty prompt", raw({ prompt: "" }), /prompt is empty/],
    ["a whitespace prompt", raw({ prompt: " \n\t " }), /prompt is empty/],
    ["a prompt of only invisible characters", raw({ prompt: "\u200b\u202e\u0007" }), /prompt is empty/],
    ["a prompt over 2000 characters", raw({ prompt: "a".repeat(2001) }), /2001 characters long; the limit is 2000/],
    ["a negative temperature", raw({ temperature: -0.1 }), /temperature must be between 0 and 2/],
    ["max_tokens above the server's cap", raw({ maxTokens: 257 }), /max_tokens must be a whole number from 1 to 256/],
    ["max_tokens of zero", raw({ maxTokens: 0 }), /max_tokens/],
    ["a seed above 2^32-1", raw({ seed: 2 ** 32 }), /seed must be a whole number/],
  ])("refuses %s with a message for the user", (_, options, message) => {
    expect(() => parseRequest(options, limits)).toThrow(UserError);
    expect(() => parseRequest(options, limits)).toThrow(message);
  });
});

describe("cleanPrompt", () => {
  it("removes control, bidi-override and zero-width characters, keeps newlines, tabs and emoji joiners", () => {
    expect(cleanPrompt("a\u0000b\u202ec\u200bd\te\r\nf 👩\u200d💻")).toBe("abcd\te\nf 👩\u200d💻");
  });
});
