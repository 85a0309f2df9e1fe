import type { RawRound } from "./raw-completion.js";
import type { RequestCounts } from "./request-counts.js";
import type { RequestTrace } from "./request-trace.js";
import type { LoopDelay } from "./loop-delay.js";
import type { LogRecord, ProcessFigures } from "./service-process.js";
import { summarize, type Summary } from "./stats.js";

/** One round: its wall time, the tokens generated in it and their rate. */
export interface RoundFigure {
  wallMs: number;
  tokens: number;
  tokensPerSecond: number;
}

/** Raw node-llama-cpp at one concurrency. */
export interface RawFigures {
  rounds: RoundFigure[];
  /** All tokens of all rounds over the rounds' summed wall time. */
  tokensPerSecond: number;
  /** Generation call → first token. */
  ttftMs: Summary;
  totalMs: Summary;
  tokensPerRequest: Summary;
  /** Every measured completion, round after round. */
  requests: RawRound["requests"];
}

/** The pipeline at one concurrency (or the burst); times in ms after each interaction's dispatch. */
export interface PipelineFigures {
  /** A round runs from its first dispatch to the last message showing its final stats line. */
  rounds: RoundFigure[];
  tokensPerSecond: number;
  /** Dispatch → first edit that shows generated text. */
  ttftMs: Summary;
  /** Dispatch → acknowledgement (deferral). */
  ackMs: Summary;
  /** Dispatch → output message created by the worker. */
  outputCreatedMs: Summary;
  /** Dispatch → final stats line visible. */
  finalMs: Summary;
  /** From the worker's "generation started" log: job created → taken by the worker. */
  queueWaitMs: Summary;
  /** From the worker's "generation finished" log: the generation call alone. */
  workerGenerationMs: Summary;
  /** From the stats line: the worker's own time to first token (comparable to raw's). */
  workerTtftMs: Summary;
  tokensPerRequest: Summary;
  /** Requests whose stats line could not be read (their tokens count as 0). */
  missingStats: number;
  /** How the requests stopped, from their stats lines. */
  stopped: Record<string, number>;
  /** Every measured request, round after round. */
  requests: RequestTrace[];
}

/** What the worker logged about one job. */
export interface JobLog {
  waitMs?: number;
  generationMs?: number;
}

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/** Reads the worker's per-job log records ("generation started" / "generation finished") by job id. */
export function jobLogs(records: readonly LogRecord[]): Map<string, JobLog> {
  const jobs = new Map<string, JobLog>();
  for (const record of records) {
    const jobId = record["jobId"];
    if (typeof jobId !== "string") continue;
    const job = jobs.get(jobId) ?? {};
    if (record.msg === "generation started") {
      const wait = num(record["wait"]);
      if (wait !== undefined) job.waitMs = wait;
    }
    if (record.msg === "generation finished") {
      const stats = record["stats"] as Record<string, Record<string, unknown>> | undefined;
      const times = Object.values(stats ?? {}).map((s) => num(s["ms"]) ?? 0);
      if (times.length > 0) job.generationMs = Math.max(...times);
    }
    jobs.set(jobId, job);
  }
  return jobs;
}

const figure = (wallMs: number, tokens: number): RoundFigure => ({
  wallMs: Math.round(wallMs * 10) / 10,
  tokens,
  tokensPerSecond: wallMs > 0 ? Math.round((tokens / wallMs) * 1000 * 10) / 10 : 0,
});

const overall = (rounds: readonly RoundFigure[]) =>
  figure(
    rounds.reduce((s, r) => s + r.wallMs, 0),
    rounds.reduce((s, r) => s + r.tokens, 0),
  ).tokensPerSecond;

/** Summarizes raw rounds. */
export function rawFigures(rounds: readonly RawRound[]): RawFigures {
  const requests = rounds.flatMap((r) => r.requests);
  const figures = rounds.map((r) => figure(r.wallMs, r.tokens));
  return {
    rounds: figures,
    tokensPerSecond: overall(figures),
    ttftMs: summarize(requests.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]))),
    totalMs: summarize(requests.map((r) => r.totalMs)),
    tokensPerRequest: summarize(requests.map((r) => r.tokens)),
    requests: requests.map((r) => ({
      ttftMs: r.ttftMs === null ? null : Math.round(r.ttftMs * 100) / 100,
      totalMs: Math.round(r.totalMs * 100) / 100,
      tokens: r.tokens,
    })),
  };
}

/** Summarizes pipeline rounds (each a list of traces) with the worker's job logs. */
export function pipelineFigures(
  rounds: readonly (readonly RequestTrace[])[],
  workerRecords: readonly LogRecord[],
): PipelineFigures {
  const traces = rounds.flat();
  const jobs = jobLogs(workerRecords);
  const job = (t: RequestTrace) => jobs.get(`ix-${t.interactionId}`);
  const values = <T>(pick: (t: RequestTrace) => T | null | undefined) =>
    traces.flatMap((t) => {
      const v = pick(t);
      return v === null || v === undefined ? [] : [v];
    });
  const stopped: Record<string, number> = {};
  for (const t of traces) {
    const key = t.stats?.stopped ?? "unknown";
    stopped[key] = (stopped[key] ?? 0) + 1;
  }
  const figures = rounds.map((round) => {
    if (round.length === 0) return figure(0, 0);
    const start = Math.min(...round.map((t) => t.dispatchedAt));
    const end = Math.max(...round.map((t) => t.finalAt));
    return figure(
      end - start,
      round.reduce((s, t) => s + (t.stats?.tokens ?? 0), 0),
    );
  });
  return {
    rounds: figures,
    tokensPerSecond: overall(figures),
    ttftMs: summarize(values((t) => t.firstTextMs)),
    ackMs: summarize(values((t) => t.ackMs)),
    outputCreatedMs: summarize(values((t) => t.outputCreatedMs)),
    finalMs: summarize(values((t) => t.finalMs)),
    queueWaitMs: summarize(values((t) => job(t)?.waitMs)),
    workerGenerationMs: summarize(values((t) => job(t)?.generationMs)),
    workerTtftMs: summarize(values((t) => t.stats?.firstTokenMs)),
    tokensPerRequest: summarize(values((t) => t.stats?.tokens)),
    missingStats: traces.filter((t) => t.stats === null).length,
    stopped,
    requests: traces,
  };
}

/** Raw against pipeline at one concurrency, with Discord traffic and the worker's memory. */
export interface ConcurrencyResult {
  concurrency: number;
  raw: RawFigures;
  pipeline: PipelineFigures;
  /** Pipeline tok/s ÷ raw tok/s. */
  throughputRatio: number;
  /** Pipeline TTFT − raw TTFT, at p50 and p99: what the pipeline adds before a user sees text. */
  addedTtftMs: { p50: number | null; p99: number | null };
  discord: RequestCounts;
  worker: ProcessFigures & { sequences: number | null };
  /** The bench's own event-loop delay during the pipeline rounds (it hosts the fake Discord). */
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
  pipeline: PipelineFigures;
  discord: RequestCounts;
  worker: ProcessFigures;
  gateway: ProcessFigures;
  benchLoopDelayMs: LoopDelay;
}

/** Pipeline minus raw, where both are known. */
function difference(pipeline: number | null, raw: number | null): number | null {
  return pipeline === null || raw === null ? null : Math.round((pipeline - raw) * 10) / 10;
}

/** Puts one concurrency's raw rounds, pipeline rounds, Discord traffic and worker figures side by side. */
export function concurrencyResult(measured: {
  concurrency: number;
  rawRounds: readonly RawRound[];
  pipelineRounds: readonly (readonly RequestTrace[])[];
  workerRecords: readonly LogRecord[];
  discord: RequestCounts;
  worker: ConcurrencyResult["worker"];
  benchLoopDelayMs: LoopDelay;
}): ConcurrencyResult {
  const { concurrency, discord, worker, benchLoopDelayMs } = measured;
  const raw = rawFigures(measured.rawRounds);
  const pipeline = pipelineFigures(measured.pipelineRounds, measured.workerRecords);
  return {
    concurrency,
    raw,
    pipeline,
    throughputRatio: raw.tokensPerSecond > 0 ? Number((pipeline.tokensPerSecond / raw.tokensPerSecond).toFixed(3)) : 0,
    addedTtftMs: {
      p50: difference(pipeline.ttftMs.p50, raw.ttftMs.p50),
      p99: difference(pipeline.ttftMs.p99, raw.ttftMs.p99),
    },
    discord,
    worker,
    benchLoopDelayMs,
  };
}
