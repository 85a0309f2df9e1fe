import { overallRate, roundFigure, type RoundFigure } from "./round-figure.js";
import type { BenchCommand, RawPairBench, RawRequest, RawRun, RawSampling } from "./raw-pair.js";
import { summarize, type Summary } from "./stats.js";

/** What a row of the benchmark runs: one command, so many requests at once. */
export interface Workload {
  command: BenchCommand;
  concurrency: number;
}

/** Raw node-llama-cpp with one thread configuration on one workload. */
export interface RawConfigResult {
  /** "1 thread", "2 threads" (per context), or "default" (node-llama-cpp's own choice). */
  label: string;
  /** Threads per context asked for; null: node-llama-cpp's default. */
  threads: number | null;
  /** Threads per context node-llama-cpp settled on, and its limit for all contexts together (0: none). */
  threadsPerContext: number;
  maxThreads: number;
  rounds: RoundFigure[];
  /** All tokens of all measured rounds over their summed wall time. */
  tokensPerSecond: number;
  /** Too slow to measure in full: one round, stopped at a time cap (its rate is still tokens over time). */
  capped: boolean;
  /** Generation call → first token, every side. */
  ttftMs: Summary;
  requests: RawRequest[];
}

/** Every configuration tried on one workload, and which was fastest. */
export interface RawWorkloadResult extends Workload {
  configs: RawConfigResult[];
  /** Index in `configs` of the fastest. */
  best: number;
  /** The fastest configuration measured again after the pipeline's runs; null where it was not. */
  again: RawConfigResult | null;
}

/** Threads per context to try: the given list, or powers of two up to the cores and the cores themselves. */
export function threadCandidates(cores: number, given: readonly number[] | null): number[] {
  if (given) return [...given];
  const list: number[] = [];
  for (let t = 1; t <= cores; t *= 2) list.push(t);
  if (!list.includes(cores)) list.push(cores);
  return list;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Measures every workload with every thread configuration (the candidates, then node-llama-cpp's default) and keeps
 * the fastest per workload. A configuration whose warm-up takes more than twice the best one's so far is measured
 * over one round stopped at the best one's round time (at least 3 s): it cannot be the fastest, and node-llama-cpp's
 * default can be 100 times slower on a small CPU (a full round would take minutes).
 */
export async function rawSweep(
  raw: RawPairBench,
  workloads: readonly Workload[],
  options: {
    threads: readonly number[];
    rounds: number;
    sampling: RawSampling;
    systemPrompt: string;
    roundTimeoutMs: number;
    progress: (line: string) => void;
  },
): Promise<RawWorkloadResult[]> {
  const results: RawWorkloadResult[] = [];
  for (const workload of workloads) {
    const configs: RawConfigResult[] = [];
    let bestWarmUpMs: number | null = null;
    let bestRoundMs: number | null = null;
    for (const threads of [...options.threads, null]) {
      const label = threads === null ? "default" : `${threads} thread${threads === 1 ? "" : "s"}`;
      options.progress(`raw ${workload.command} c=${workload.concurrency}, ${label}`);
      const run = await raw.measure({
        ...workload,
        threads,
        rounds: options.rounds,
        sampling: options.sampling,
        systemPrompt: options.systemPrompt,
        warmUpCapMs: bestWarmUpMs === null ? options.roundTimeoutMs : Math.max(3_000, 2 * bestWarmUpMs),
        roundCapMs: options.roundTimeoutMs,
        slowRoundCapMs: Math.max(3_000, bestRoundMs ?? 0),
      });
      const result = configResult(label, threads, run);
      configs.push(result);
      const { capped, rounds } = result;
      if (!capped) {
        const meanRound = rounds.reduce((s, r) => s + r.wallMs, 0) / Math.max(1, rounds.length);
        bestWarmUpMs = Math.min(bestWarmUpMs ?? Infinity, run.warmUpMs);
        bestRoundMs = Math.min(bestRoundMs ?? Infinity, meanRound);
      }
    }
    const best = configs.reduce((b, c, i) => (c.tokensPerSecond > (configs[b]?.tokensPerSecond ?? -1) ? i : b), 0);
    results.push({ ...workload, configs, best, again: null });
  }
  return results;
}

/** The fastest configuration of a workload, as the sweep found it. */
export function bestConfig(result: RawWorkloadResult): RawConfigResult {
  const best = result.configs[result.best];
  if (!best) throw new Error(`no raw configuration measured for ${result.command} c=${result.concurrency}`);
  return best;
}

/**
 * The baseline the pipeline is held to: the faster of the two measurements of the fastest configuration (the sweep's
 * and the one after the pipeline's runs), so that a slow moment of the machine during the sweep never flatters the
 * pipeline. Its time to first token comes from the same measurement.
 */
export function baseline(result: RawWorkloadResult): RawConfigResult {
  const best = bestConfig(result);
  return result.again && result.again.tokensPerSecond > best.tokensPerSecond ? result.again : best;
}

/** Measures each workload's fastest configuration once more (after the pipeline's runs), into `again`. */
export async function measureAgain(
  raw: RawPairBench,
  results: RawWorkloadResult[],
  options: {
    rounds: number;
    sampling: RawSampling;
    systemPrompt: string;
    roundTimeoutMs: number;
    progress: (line: string) => void;
  },
): Promise<void> {
  for (const result of results) {
    const best = bestConfig(result);
    options.progress(`raw ${result.command} c=${result.concurrency}, ${best.label} again`);
    const run = await raw.measure({
      command: result.command,
      concurrency: result.concurrency,
      threads: best.threads,
      rounds: options.rounds,
      sampling: options.sampling,
      systemPrompt: options.systemPrompt,
      warmUpCapMs: options.roundTimeoutMs,
      roundCapMs: options.roundTimeoutMs,
      slowRoundCapMs: options.roundTimeoutMs,
    });
    result.again = configResult(best.label, best.threads, run);
  }
}

function configResult(label: string, threads: number | null, run: RawRun): RawConfigResult {
  const rounds = run.rounds.map((r) => roundFigure(r.wallMs, r.tokens));
  const requests = run.rounds.flatMap((r) => r.requests);
  return {
    label,
    threads,
    threadsPerContext: run.threadsPerContext,
    maxThreads: run.maxThreads,
    rounds,
    tokensPerSecond: overallRate(rounds),
    capped: run.warmUpCapped || run.rounds.some((r) => r.capped),
    ttftMs: summarize(requests.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]))),
    requests: requests.map((r) => ({
      side: r.side,
      ttftMs: r.ttftMs === null ? null : round2(r.ttftMs),
      totalMs: round2(r.totalMs),
      tokens: r.tokens,
    })),
  };
}
