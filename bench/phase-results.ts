import type { GlobalCounts, RequestCounts } from "./request-counts.js";
import type { RequestTrace } from "./request-trace.js";
import type { LoopDelay } from "./loop-delay.js";
import { overallRate, roundFigure, type RoundFigure } from "./round-figure.js";
import type { LogRecord, ProcessFigures } from "./service-process.js";
import { summarize, type Summary } from "./stats.js";

/** The pipeline on one workload (or the burst); times in ms, per side unless said otherwise. */
export interface PipelineFigures {
  /** A round runs from its first dispatch to the last final stats line of its last side. */
  rounds: RoundFigure[];
  tokensPerSecond: number;
  /** Dispatch → the first create or edit that shows generated text (time to first token as a member sees it). */
  ttftMs: Summary;
  /** Per request: dispatch → acknowledgement (deferral). */
  ackMs: Summary;
  /** Per request: dispatch → its first output message exists. */
  outputCreatedMs: Summary;
  /** Per request: dispatch → its last side's final stats line. */
  finalMs: Summary;
  /** Per request: dispatch → the worker starts generating (gateway, enqueue, queue wait), from the worker's log. */
  toWorkerMs: Summary;
  /** Per request: job created → taken by the worker, from the worker's log. */
  queueWaitMs: Summary;
  /** The worker's own time to first token (generation call → first token, from the stats line): as raw's. */
  workerTtftMs: Summary;
  /** First token in the worker → the request that shows it reaches Discord. */
  firstTokenToDiscordMs: Summary;
  /** The generation call alone, from the worker's log. */
  generationMs: Summary;
  /** Generation ended → its final stats line reached Discord (the footer's chart included, for /compare). */
  endToFinalMs: Summary;
  /** The worker's tok/s per side (tokens over the generation call, from the stats line). */
  sideTokensPerSecond: Summary;
  tokensPerRequest: Summary;
  /** Sides whose stats line could not be read (their tokens count as 0). */
  missingStats: number;
  /** How the sides stopped, from their stats lines. */
  stopped: Record<string, number>;
  /** Every measured request, round after round. */
  requests: RequestTrace[];
}

/** What the worker logged about one job: when it started generating, and each side's generation time. */
export interface JobLog {
  startedAt?: number;
  waitMs?: number;
  sideMs: Record<string, number>;
}

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/** Reads the worker's per-job log records ("generation started" / "generation finished") by job id. */
export function jobLogs(records: readonly LogRecord[]): Map<string, JobLog> {
  const jobs = new Map<string, JobLog>();
  for (const record of records) {
    const jobId = record["jobId"];
    if (typeof jobId !== "string") continue;
    const job = jobs.get(jobId) ?? { sideMs: {} };
    if (record.msg === "generation started") {
      const wait = num(record["wait"]);
      const time = num(record["time"]);
      if (wait !== undefined) job.waitMs = wait;
      if (time !== undefined) job.startedAt = time;
    }
    if (record.msg === "generation finished") {
      const stats = record["stats"] as Record<string, Record<string, unknown>> | undefined;
      for (const [side, s] of Object.entries(stats ?? {})) {
        const ms = num(s["ms"]);
        if (ms !== undefined) job.sideMs[side] = ms;
      }
    }
    jobs.set(jobId, job);
  }
  return jobs;
}

/** Summarizes pipeline rounds (each a list of traces) with the worker's job logs. */
export function pipelineFigures(
  rounds: readonly (readonly RequestTrace[])[],
  workerRecords: readonly LogRecord[],
): PipelineFigures {
  const traces = rounds.flat();
  const sides = traces.flatMap((t) => t.sides.map((side) => ({ trace: t, side })));
  const jobs = jobLogs(workerRecords);
  const job = (t: RequestTrace) => jobs.get(`ix-${t.interactionId}`);
  const pick = <T>(items: readonly T[], get: (item: T) => number | null | undefined) =>
    summarize(
      items.flatMap((item) => {
        const v = get(item);
        return v === null || v === undefined || Number.isNaN(v) ? [] : [v];
      }),
    );
  const stopped: Record<string, number> = {};
  for (const { side } of sides) {
    const key = side.stats?.stopped ?? "unknown";
    stopped[key] = (stopped[key] ?? 0) + 1;
  }
  const figures = rounds.map((round) => {
    if (round.length === 0) return roundFigure(0, 0);
    const start = Math.min(...round.map((t) => t.dispatchedAt));
    const end = Math.max(...round.map((t) => t.finalAt));
    const tokens = round.reduce((s, t) => s + t.sides.reduce((n, side) => n + (side.stats?.tokens ?? 0), 0), 0);
    return roundFigure(end - start, tokens);
  });
  const startedAt = (t: RequestTrace) => job(t)?.startedAt;
  const sideMs = (t: RequestTrace, side: string) => job(t)?.sideMs[side];
  return {
    rounds: figures,
    tokensPerSecond: overallRate(figures),
    ttftMs: pick(sides, ({ side }) => side.firstTextMs),
    ackMs: pick(traces, (t) => t.ackMs),
    outputCreatedMs: pick(traces, (t) => t.outputCreatedMs),
    finalMs: pick(traces, (t) => t.finalMs),
    toWorkerMs: pick(traces, (t) => {
      const at = startedAt(t);
      return at === undefined ? null : at - t.dispatchedAt;
    }),
    queueWaitMs: pick(traces, (t) => job(t)?.waitMs),
    workerTtftMs: pick(sides, ({ side }) => side.stats?.firstTokenMs),
    firstTokenToDiscordMs: pick(sides, ({ trace, side }) => {
      const at = startedAt(trace);
      const ttft = side.stats?.firstTokenMs;
      if (at === undefined || ttft === null || ttft === undefined || side.firstTextMs === null) return null;
      return trace.dispatchedAt + side.firstTextMs - (at + ttft);
    }),
    generationMs: pick(sides, ({ trace, side }) => sideMs(trace, side.side)),
    endToFinalMs: pick(sides, ({ trace, side }) => {
      const at = startedAt(trace);
      const ms = sideMs(trace, side.side);
      return at === undefined || ms === undefined ? null : side.finalAt - (at + ms);
    }),
    sideTokensPerSecond: pick(sides, ({ side }) => side.stats?.tokensPerSecond),
    tokensPerRequest: pick(traces, (t) => t.sides.reduce((n, side) => n + (side.stats?.tokens ?? 0), 0)),
    missingStats: sides.filter(({ side }) => side.stats === null).length,
    stopped,
    requests: traces,
  };
}

/** One pipeline run of a workload: the worker's settings, what it did, and what it cost in Discord requests. */
export interface PipelineRun {
  /** "default": no LLAMA_THREADS; "best": LLAMA_THREADS set to the fastest raw configuration's threads. */
  settings: "default" | "best";
  llamaThreads: number | null;
  workerConcurrency: number | null;
  /** What the worker logged with "models loaded": threads per context and in all, sequences per context. */
  workerThreads: { perContext: number; total: number } | null;
  sequences: number | null;
  pipeline: PipelineFigures;
  discord: RequestCounts;
  /** The requests that counted against Discord's global budget, per answer. */
  perAnswer: GlobalCounts;
  worker: ProcessFigures;
  /** The bench's own event-loop delay during the rounds (it hosts the fake Discord, so it may stamp late). */
  benchLoopDelayMs: LoopDelay;
}

/** The burst of many small requests fired at once. */
export interface BurstResult {
  size: number;
  maxTokens: number;
  workerConcurrency: number;
  /** How long firing all interactions took (bench side). */
  dispatchSpreadMs: number;
  /** First dispatch → last final stats line. */
  drainMs: number;
  unacknowledged: number;
  unfinished: number;
  pipeline: PipelineFigures;
  discord: RequestCounts;
  worker: ProcessFigures;
  gateway: ProcessFigures;
  benchLoopDelayMs: LoopDelay;
}

/** Pipeline minus raw, where both are known. */
export function difference(pipeline: number | null, raw: number | null): number | null {
  return pipeline === null || raw === null ? null : Math.round((pipeline - raw) * 10) / 10;
}

/** `a / b` to three decimals, or null. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? Number((a / b).toFixed(3)) : null;
}
