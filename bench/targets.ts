import type { BurstResult, ConcurrencyResult } from "./phase-results.js";

/** One goal from the issue, with the measured value; `pass` is null where it was not measured. */
export interface Target {
  name: string;
  goal: string;
  value: string;
  pass: boolean | null;
}

const fmt = (x: number | null, digits = 1) => (x === null ? "n/a" : x.toFixed(digits));

/** Ratios between successive concurrencies' throughput, e.g. "1→4 ×3.10". */
export function scalingSteps(rows: readonly ConcurrencyResult[], pick: (r: ConcurrencyResult) => number): string[] {
  return rows.slice(1).map((row, i) => {
    const before = rows[i];
    const ratio = before && pick(before) > 0 ? pick(row) / pick(before) : null;
    return `${before?.concurrency ?? "?"}→${row.concurrency} ×${fmt(ratio, 2)}`;
  });
}

const grows = (rows: readonly ConcurrencyResult[], pick: (r: ConcurrencyResult) => number) =>
  rows.slice(1).every((row, i) => {
    const before = rows[i];
    return before !== undefined && pick(row) > pick(before);
  });

/** Checks the targets against a run's figures. */
export function evaluateTargets(rows: readonly ConcurrencyResult[], burst: BurstResult | null): Target[] {
  const measured = rows.length > 0;
  const ratios = rows.map((r) => r.throughputRatio);
  const added = rows.map((r) => r.addedTtftMs.p99);
  const worstAdded = added.some((a) => a === null) ? null : Math.max(...(added as number[]));
  const steady429 = rows.reduce((sum, r) => sum + r.discord.rateLimited, 0);
  const ackP99 = burst?.pipeline.ackMs.p99 ?? null;
  const pipe = (r: ConcurrencyResult) => r.pipeline.tokensPerSecond;
  const raw = (r: ConcurrencyResult) => r.raw.tokensPerSecond;
  return [
    {
      name: "throughput vs raw",
      goal: "pipeline ≥ 0.95 × raw tok/s at every concurrency",
      value: rows.map((r) => `c${r.concurrency} ${fmt(r.throughputRatio, 3)}`).join(", ") || "n/a",
      pass: measured ? ratios.every((x) => x >= 0.95) : null,
    },
    {
      name: "added time to first token",
      goal: "pipeline p99 − raw p99 < 20 ms",
      value: rows.map((r) => `c${r.concurrency} ${fmt(r.addedTtftMs.p99)} ms`).join(", ") || "n/a",
      pass: measured && worstAdded !== null ? worstAdded < 20 : null,
    },
    {
      name: "acknowledgement in the burst",
      goal: "p99 < 100 ms",
      value: burst ? `p99 ${fmt(ackP99)} ms over ${burst.size} interactions` : "n/a",
      pass: ackP99 === null ? null : ackP99 < 100 && burst?.unacknowledged === 0,
    },
    {
      name: "429s in steady state",
      goal: "0",
      value: measured ? String(steady429) : "n/a",
      pass: measured ? steady429 === 0 : null,
    },
    {
      name: "throughput grows with concurrency",
      goal: "pipeline tok/s rises at each step",
      value: `pipeline ${scalingSteps(rows, pipe).join(", ") || "n/a"}; raw ${scalingSteps(rows, raw).join(", ") || "n/a"}`,
      pass: rows.length > 1 ? grows(rows, pipe) : null,
    },
  ];
}
