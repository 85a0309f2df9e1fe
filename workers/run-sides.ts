import { modelOf, type Side, type SideResult } from "../src/shared/jobs.js";

/**
 * Runs every side of a job: the sides of different models at once, the sides of one model one after the
 * other (a job never holds more than one sequence of a context, so the worker's concurrency, which is the
 * sequences per context, always fits; the matrix's four sides included). When a side fails, `abort` stops
 * the others, and they are awaited: no generation outlives its job, and every sequence is free again before
 * the job ends. Resolves with each side's result in display order; rejects with the first failure.
 */
export async function runSides<T extends { side: Side }>(
  outputs: readonly T[],
  run: (output: T) => Promise<SideResult>,
  abort: AbortController,
): Promise<[Side, SideResult][]> {
  const byModel = new Map<string, T[]>();
  for (const output of outputs) {
    byModel.set(modelOf(output.side), [...(byModel.get(modelOf(output.side)) ?? []), output]);
  }
  const results = new Map<Side, SideResult>();
  let first: { error: unknown } | null = null;
  await Promise.allSettled(
    [...byModel.values()].map(async (group) => {
      for (const output of group) {
        if (first !== null) return;
        try {
          results.set(output.side, await run(output));
        } catch (error) {
          first ??= { error };
          abort.abort(error);
          return;
        }
      }
    }),
  );
  if (first !== null) throw (first as { error: unknown }).error;
  return outputs.flatMap(({ side }) => {
    const result = results.get(side);
    return result ? [[side, result] as [Side, SideResult]] : [];
  });
}
