import type { Sampling, Side, Turn } from "../shared/jobs.js";
import type { Engine } from "../../workers/engine/engine.js";
import type { Claim, ClaimStep, ClaimTable } from "./claim-table.js";
import { checkExpectation, type CheckContext } from "./check-claim.js";
import { cliJob } from "./cli-job.js";
import { runJobSides, type SideOutcome } from "./run-job-sides.js";

/** How "typically" claims are checked unless the table says otherwise. */
export const DEFAULT_TYPICALLY = { seeds: 5, temperature: 0.7 } as const;

/** The fewest seeds of `total` that make a "typically" claim hold: more than half. */
export function mostOf(total: number): number {
  return Math.floor(total / 2) + 1;
}

/** One claim, checked. */
export interface ClaimResult {
  step: ClaimStep;
  claim: Claim;
  holds: boolean;
  /** What happened, in a few words. */
  saw: string;
  /** A "typically" claim: on how many seeds it held. */
  seeds?: { held: number; total: number };
}

export interface TourOptions {
  maxTokens: number;
  systemPrompt: string;
  /** A step is about to run (0-based). */
  onStep?: (index: number, step: ClaimStep) => void;
}

/** The earlier turns of an /ask step's conversation, each answered at temperature 0. */
async function conversation(engine: Engine, step: ClaimStep, sampling: Sampling): Promise<Turn[]> {
  const turns: Turn[] = [];
  for (const prompt of step.before ?? []) {
    const [answer] = await runJobSides(engine, cliJob({ kind: "ask", prompt, sampling, history: turns }));
    turns.push({ prompt, answer: answer?.result.text ?? "" });
  }
  return turns;
}

function sidesOfClaims(claims: readonly Claim[]): Side[] {
  return [...new Set(claims.map((c) => c.side))];
}

/**
 * Runs each step of a claims table through the worker's code and checks its claims: plain claims once at
 * temperature 0, "typically" claims on seeds 1 to N at the table's temperature, holding on more than half of them.
 */
export async function runTour(engine: Engine, table: ClaimTable, options: TourOptions): Promise<ClaimResult[]> {
  const typically = table.typically ?? DEFAULT_TYPICALLY;
  const results: ClaimResult[] = [];
  for (const [index, step] of table.steps.entries()) {
    options.onStep?.(index, step);
    const greedy: Sampling = { temperature: 0, seed: 1, maxTokens: options.maxTokens };
    const history = await conversation(engine, step, greedy);
    const context: CheckContext = {
      prompt: step.prompt,
      systemPrompt: options.systemPrompt,
      maxTokens: options.maxTokens,
    };
    const run = async (sampling: Sampling, claims: readonly Claim[]) => {
      if (claims.length === 0) return new Map<Side, SideOutcome>();
      const job = cliJob({
        kind: step.kind,
        prompt: step.prompt,
        sampling,
        matrix: step.matrix ?? false,
        fewShot: step.fewShot ?? false,
        history,
      });
      const outcomes = await runJobSides(engine, job, { sides: sidesOfClaims(claims) });
      return new Map(outcomes.map((o) => [o.side, o]));
    };

    const plain = step.claims.filter((c) => !c.typically);
    const once = await run(greedy, plain);
    const general = step.claims.filter((c) => c.typically);
    const bySeed: Map<Side, SideOutcome>[] = [];
    for (let seed = 1; general.length > 0 && seed <= typically.seeds; seed++) {
      bySeed.push(await run({ temperature: typically.temperature, seed, maxTokens: options.maxTokens }, general));
    }

    for (const claim of step.claims) {
      if (!claim.typically) {
        const outcome = once.get(claim.side);
        const check = outcome
          ? checkExpectation(claim.expect, claim.side, outcome.result, context)
          : { holds: false, saw: ["the side did not run"] };
        results.push({ step, claim, holds: check.holds, saw: check.saw.join(" · ") });
        continue;
      }
      const checks = bySeed.map((outcomes) => {
        const outcome = outcomes.get(claim.side);
        return outcome
          ? checkExpectation(claim.expect, claim.side, outcome.result, context)
          : { holds: false, saw: ["the side did not run"] };
      });
      const held = checks.filter((c) => c.holds).length;
      const holds = held >= mostOf(checks.length);
      // The first seed on which it did not hold says most; where it held on all, the first seed.
      const index = Math.max(
        0,
        checks.findIndex((c) => !c.holds),
      );
      const example = checks[index];
      results.push({
        step,
        claim,
        holds,
        saw: `held on ${held} of ${checks.length} seeds (temperature ${typically.temperature}); seed ${index + 1}: ${example?.saw.join(" · ") ?? ""}`,
        seeds: { held, total: checks.length },
      });
    }
  }
  return results;
}
