import { sidesOf, type GenerationJob, type Side, type SideResult } from "../shared/jobs.js";
import type { Engine, NextToken } from "../../workers/engine/engine.js";
import { sideRun } from "../../workers/job-outputs.js";
import { runSides } from "../../workers/run-sides.js";

/** One finished side: the worker's result and what its model expected first. */
export interface SideOutcome {
  side: Side;
  result: SideResult;
  /** The likeliest next tokens right after the side's input (the bot's next-token chart). */
  next: NextToken[];
}

export interface RunJobSidesOptions {
  /** Which of the job's sides to run. Defaults to all of them, in display order. */
  sides?: readonly Side[];
  /** How many next tokens to keep per side. Defaults to 5. */
  nextTokens?: number;
  /** Stops every side; they finish as "stopped early". */
  signal?: AbortSignal;
  /** The whole text of a side so far, each time it grows. */
  onText?: (side: Side, text: string) => void;
  /** A side has finished (sides of different models run at once, so not in display order). */
  onDone?: (outcome: SideOutcome) => void;
}

function outcomeOf(side: Side, result: SideResult): SideOutcome {
  return { side, result, next: result.nextTokens ?? [] };
}

/**
 * Runs a job's sides exactly as the worker does (its side runs, its scheduling of the sides, its engine), without
 * Discord or Redis. Resolves with each side's outcome in display order.
 */
export async function runJobSides(
  engine: Engine,
  job: GenerationJob,
  options: RunJobSidesOptions = {},
): Promise<SideOutcome[]> {
  const sides = options.sides ?? sidesOf(job);
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([abort.signal, options.signal]) : abort.signal;
  const k = options.nextTokens ?? 5;
  const results = await runSides(
    sides.map((side) => ({ side })),
    async ({ side }) => {
      const run = sideRun(job, side);
      const result = await engine.generate(side, {
        ...run,
        nextTokens: k,
        signal,
        onText: (text) => options.onText?.(side, text),
      });
      // Read from the generation's own evaluation of the input; a side stopped before it has none.
      options.onDone?.(outcomeOf(side, result));
      return result;
    },
    abort,
  );
  return results.map(([side, result]) => outcomeOf(side, result));
}
