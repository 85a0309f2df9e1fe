import { z } from "zod";
import { jobKinds, MAX_PROMPT_CHARS, sides, sidesOf, TEMPERATURE_RANGE } from "../shared/jobs.js";

/**
 * What a claim expects of one side's result; every field given must hold. In `contains` and `inputContains`,
 * `{prompt}` and `{systemPrompt}` stand for the step's prompt and the configured `SYSTEM_PROMPT`.
 */
const expectationSchema = z
  .strictObject({
    /** How it stopped: `endOfTurn`, `tokenLimit` or `stopSequence`. */
    stop: z.enum(["endOfTurn", "tokenLimit", "stopSequence"]).optional(),
    /** Whether it ended its turn (an end-of-turn or end-of-text token), however else it stopped. */
    endsTurn: z.boolean().optional(),
    /** Its text contains this (letter case aside). */
    contains: z.string().min(1).optional(),
    /** Its text starts with this (letter case aside): the first word it chose. */
    startsWith: z.string().min(1).optional(),
    /** A turn nobody asked for after its first line: a new speaker, a new question, either, or none. */
    invents: z.enum(["speaker", "question", "either", "none"]).optional(),
    /** The new speaker it invents, as the explanation names it, e.g. `User:`. */
    speaker: z.string().min(1).optional(),
    /** Its input went through a chat template, special tokens included (true), or was the raw text (false). */
    templated: z.boolean().optional(),
    /** Its exact input (special tokens written out) contains each of these. */
    inputContains: z.array(z.string().min(1)).min(1).optional(),
    /** The 💡 explanation under it contains this. */
    explanationContains: z.string().min(1).optional(),
  })
  .refine((e) => Object.values(e).some((v) => v !== undefined), "an expectation needs at least one field");

const claimSchema = z.strictObject({
  /** The claim in the README's words. */
  claim: z.string().min(1),
  /** The side it is about. */
  side: z.enum(sides),
  /**
   * A claim about models in general ("typically", "often"): checked on several seeds at a temperature above 0,
   * and holds when more than half of them hold. Otherwise it is checked once, at temperature 0.
   */
  typically: z.boolean().optional(),
  expect: expectationSchema,
});

const stepSchema = z
  .strictObject({
    /** The step as a member would type it, shown above its claims. */
    command: z.string().min(1),
    kind: z.enum(jobKinds),
    prompt: z.string().min(1).max(MAX_PROMPT_CHARS),
    /** compare: the 2x2 matrix. */
    matrix: z.boolean().optional(),
    /** The raw sides get the few-shot scaffold. */
    fewShot: z.boolean().optional(),
    /** ask: earlier prompts of the same conversation, answered first (at temperature 0). */
    before: z.array(z.string().min(1).max(MAX_PROMPT_CHARS)).optional(),
    claims: z.array(claimSchema).min(1),
  })
  .superRefine((step, ctx) => {
    const shown = sidesOf({ kind: step.kind, mode: step.matrix ? "matrix" : "pair" });
    for (const [i, claim] of step.claims.entries()) {
      if (!shown.includes(claim.side)) {
        ctx.addIssue({
          code: "custom",
          path: ["claims", i, "side"],
          message: `this step shows ${shown.join(", ")}, not ${claim.side}`,
        });
      }
    }
  });

/** A table of claims the tour checks (the README's is in `tour-claims.ts`). */
export const claimTableSchema = z.strictObject({
  /** What the claims are about, for the tour's header. */
  name: z.string().min(1),
  /** How "typically" claims are checked. Defaults to 5 seeds (1 to 5) at temperature 0.7. */
  typically: z
    .strictObject({
      seeds: z.number().int().min(1).max(50),
      temperature: z.number().gt(0).max(TEMPERATURE_RANGE.max),
    })
    .optional(),
  steps: z.array(stepSchema).min(1),
});

export type ClaimTable = z.infer<typeof claimTableSchema>;
/** A table as written, before its defaults are filled in. */
export type ClaimTableInput = z.input<typeof claimTableSchema>;
export type ClaimStep = ClaimTable["steps"][number];
export type Claim = ClaimStep["claims"][number];
export type Expectation = Claim["expect"];
