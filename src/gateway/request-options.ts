import { randomInt } from "node:crypto";
import { MAX_PROMPT_CHARS, SEED_RANGE, TEMPERATURE_RANGE, type Sampling } from "../shared/jobs.js";
import { UserError } from "../shared/errors.js";

/** Temperature used when a user gives none. */
export const DEFAULT_TEMPERATURE = 0.7;

/** Options as a slash command delivers them; `null` where the user left one out. */
export interface RawRequestOptions {
  prompt: string | null;
  temperature: number | null;
  maxTokens: number | null;
  seed: number | null;
}

/** A validated request: a clean prompt and the sampling both sides will use. */
export interface GenerationRequest {
  prompt: string;
  sampling: Sampling;
}

// C0 controls but tab and newline, DEL and C1 controls; bidi embeddings, overrides and isolates;
// zero-width space, word joiner and BOM. Zero-width (non-)joiners stay: emoji and scripts need them.
// eslint-disable-next-line no-control-regex
const STRIPPED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]/g;

/** Normalises line ends and removes characters that hide or reorder text. */
export function cleanPrompt(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(STRIPPED, "").trim();
}

/**
 * Validates a command's options into a request. Throws {@link UserError} with a message for the user.
 * Defaults: temperature {@link DEFAULT_TEMPERATURE}, `maxNewTokens` tokens, a random seed.
 */
export function parseRequest(raw: RawRequestOptions, limits: { maxNewTokens: number }): GenerationRequest {
  const prompt = cleanPrompt(raw.prompt ?? "");
  if (prompt === "") throw new UserError("The prompt is empty. Give the model some text to work with.");
  if (prompt.length > MAX_PROMPT_CHARS) {
    throw new UserError(`The prompt is ${prompt.length} characters long; the limit is ${MAX_PROMPT_CHARS}.`);
  }
  const temperature = raw.temperature ?? DEFAULT_TEMPERATURE;
  if (!Number.isFinite(temperature) || temperature < TEMPERATURE_RANGE.min || temperature > TEMPERATURE_RANGE.max) {
    throw new UserError(`temperature must be between ${TEMPERATURE_RANGE.min} and ${TEMPERATURE_RANGE.max}.`);
  }
  const maxTokens = raw.maxTokens ?? limits.maxNewTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > limits.maxNewTokens) {
    throw new UserError(`max_tokens must be a whole number from 1 to ${limits.maxNewTokens}.`);
  }
  const seed = raw.seed ?? randomInt(SEED_RANGE.min, 2 ** 31);
  if (!Number.isInteger(seed) || seed < SEED_RANGE.min || seed > SEED_RANGE.max) {
    throw new UserError(`seed must be a whole number from ${SEED_RANGE.min} to ${SEED_RANGE.max}.`);
  }
  return { prompt, sampling: { temperature, maxTokens, seed } };
}
