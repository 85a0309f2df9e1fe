import type { PairResult, RowResult } from "./bench-result.js";
import type { GlobalCounts } from "./request-counts.js";

/** One goal from the issue, with the measured value; `pass` is null where it was not measured or is a figure only. */
export interface Target {
  name: string;
  goal: string;
  value: string;
  pass: boolean | null;
}

/** Discord's global budget per bot token, and the shares the gateway and one worker take by default. */
export const GLOBAL_BUDGET = { perSecond: 50, gatewayShare: 20, workerShare: 30 } as const;

const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? "n/a" : x.toFixed(digits));

/** The concurrencies the throughput and TTFT targets are held to. */
const TARGET_CONCURRENCIES = new Set([1, 4]);

/**
 * Answers per second the global budget allows at `counts` requests per answer: the whole budget (50/s), and the
 * default shares (the gateway's 20/s for the threads, a worker's 30/s for creates, edits and anything else).
 */
export function answerCeilings(counts: GlobalCounts): { whole: number | null; shares: number | null } {
  const worker = counts.create + counts.edit + counts.other;
  const whole = counts.total > 0 ? GLOBAL_BUDGET.perSecond / counts.total : null;
  const limits = [
    ...(counts.thread > 0 ? [GLOBAL_BUDGET.gatewayShare / counts.thread] : []),
    ...(worker > 0 ? [GLOBAL_BUDGET.workerShare / worker] : []),
  ];
  return { whole, shares: limits.length > 0 ? Math.min(...limits) : null };
}

/** "5 (thread 1, create 2, edit 2, other 0) → 10.0 answers/s at 50/s, 7.5 at the shares". */
export function describeCounts(counts: GlobalCounts): string {
  const { whole, shares } = answerCeilings(counts);
  const n = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  return (
    `${n(counts.total)} (thread ${n(counts.thread)}, create ${n(counts.create)}, edit ${n(counts.edit)}, other ${n(counts.other)})` +
    ` → ≤ ${fmt(whole)} answers/s at 50/s; ≤ ${fmt(shares)} at the default shares (worker 30/s)`
  );
}

/** The pair the cost targets are held to: the realistic or configured one; the tiny one only when it ran alone. */
export function costPair(pairs: readonly PairResult[]): PairResult | undefined {
  return pairs.find((p) => p.kind !== "tiny") ?? pairs[0];
}

const rowName = (r: RowResult) => `/${r.command} c${r.concurrency}`;

/** Checks the targets against a run's figures. */
export function evaluateTargets(pairs: readonly PairResult[]): Target[] {
  const pair = costPair(pairs);
  const on = pair ? ` (${pair.kind})` : "";
  const rows = (pair?.rows ?? []).filter((r) => TARGET_CONCURRENCIES.has(r.concurrency));
  const targets: Target[] = [];
  for (const command of ["complete", "compare"] as const) {
    const mine = rows.filter((r) => r.command === command);
    targets.push({
      name: `/${command} throughput${on}`,
      goal: "pipeline ≥ 0.95 × raw baseline tok/s (fastest configuration), c1 and c4",
      value: mine
        .map((r) => `c${r.concurrency} ${fmt(r.ratio, 3)}${r.bestRun ? " (LLAMA_THREADS best)" : ""}`)
        .join(", "),
      pass: mine.length > 0 ? mine.every((r) => r.ratio !== null && r.ratio >= 0.95) : null,
    });
  }
  const added = rows.map((r) => r.addedTtftMs.p99);
  targets.push({
    name: `added time to first token${on}`,
    goal: "p99 (dispatch → first text in Discord) − raw p99 (call → first token) < 50 ms, c ≤ 4",
    value: rows.map((r) => `${rowName(r)} ${fmt(r.addedTtftMs.p99)} ms`).join(", ") || "n/a",
    pass: rows.length > 0 ? added.every((a) => a !== null && a < 50) : null,
  });
  const allRows = pair?.rows ?? [];
  targets.push({
    name: `default-settings worker${on}`,
    goal: "≥ 0.9 × raw baseline tok/s, every row",
    value: allRows.map((r) => `${rowName(r)} ${fmt(r.defaultRatio, 3)}`).join(", ") || "n/a",
    pass: allRows.length > 0 ? allRows.every((r) => r.defaultRatio !== null && r.defaultRatio >= 0.9) : null,
  });
  const short = pair?.short;
  targets.push({
    name: `Discord requests per short /compare${on}`,
    goal: "≤ 5 against the global budget",
    value: short ? `${describeCounts(short.perAnswer)}; max_tokens ${short.maxTokens}` : "n/a",
    pass: short ? short.perAnswer.total <= 5 : null,
  });
  const long = allRows.find((r) => r.command === "compare" && r.concurrency === 1);
  targets.push({
    name: `Discord requests per /compare, bench length${on}`,
    goal: "figure only (c1 rows)",
    value: long
      ? `${describeCounts(long.defaultRun.perAnswer)}; ${fmt(long.defaultRun.pipeline.tokensPerRequest.p50, 0)} tokens`
      : "n/a",
    pass: null,
  });
  const steady = pairs.flatMap((p) => p.rows.flatMap((r) => [r.defaultRun, ...(r.bestRun ? [r.bestRun] : [])]));
  const limited = steady.reduce((sum, run) => sum + run.discord.rateLimited, 0);
  targets.push({
    name: "429s in steady state (all pairs, all rows)",
    goal: "0",
    value: steady.length > 0 ? String(limited) : "n/a",
    pass: steady.length > 0 ? limited === 0 : null,
  });
  const bursts = pairs.flatMap((p) => (p.burst ? [{ kind: p.kind, burst: p.burst }] : []));
  targets.push({
    name: "acknowledgement in the burst",
    goal: "p99 < 100 ms, all acknowledged",
    value:
      bursts
        .map(
          ({ kind, burst }) =>
            `${kind}: p99 ${fmt(burst.pipeline.ackMs.p99)} ms over ${burst.size}` +
            (burst.unacknowledged > 0 ? `, ${burst.unacknowledged} never acknowledged` : ""),
        )
        .join("; ") || "n/a",
    pass:
      bursts.length > 0
        ? bursts.every(({ burst }) => (burst.pipeline.ackMs.p99 ?? Infinity) < 100 && burst.unacknowledged === 0)
        : null,
  });
  return targets;
}
