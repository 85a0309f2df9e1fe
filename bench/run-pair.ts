import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaGpuOption } from "../workers/engine/gpu.js";
import { resolveModel } from "../workers/engine/resolve-model.js";
import { realisticModelPair } from "../test/support/realistic-model.js";
import { writeTestModels } from "../test/support/tiny-models.js";
import type { BenchConfig, PairKind, PairPlan } from "./bench-config.js";
import type { PairResult, RowResult } from "./bench-result.js";
import { difference, ratio, type BurstResult, type PipelineRun } from "./phase-results.js";
import type { RequestOptions } from "./pipeline-driver.js";
import {
  burst,
  measureRun,
  shortCompare,
  startWorker,
  warmUp,
  type PhaseContext,
  type ShortCompareResult,
} from "./pipeline-phases.js";
import { RawPairBench, type BenchCommand, type RawSide } from "./raw-pair.js";
import { baseline, bestConfig, measureAgain, rawSweep, threadCandidates, type RawWorkloadResult } from "./raw-sweep.js";

/** A run's shared parts, and what must be undone however it ends. */
export interface PairRunContext extends PhaseContext {
  cfg: BenchConfig;
  /** The services' environment, without the model variables. */
  env: NodeJS.ProcessEnv;
  held: { raw: RawPairBench | null; tempDirs: string[] };
  /** Problems that do not stop the run. */
  failures: string[];
}

/** The pair's files for raw node-llama-cpp, and the model variables the worker gets. */
async function pairModels(ctx: PairRunContext, kind: PairKind) {
  if (kind === "tiny") {
    const dir = await mkdtemp(join(tmpdir(), "bvi-bench-models-"));
    ctx.held.tempDirs.push(dir);
    const paths = await writeTestModels(dir);
    return { paths, env: { BASE_MODEL: paths.base, INSTRUCT_MODEL: paths.instruct, MODELS_DIR: dir } };
  }
  if (kind === "realistic") {
    const dir = join(ctx.root, "bench", ".cache");
    ctx.progress(`realistic pair: writing it into ${dir} unless it is there (about 280 MB, once)`);
    const paths = await realisticModelPair(dir);
    return { paths, env: { BASE_MODEL: paths.base, INSTRUCT_MODEL: paths.instruct, MODELS_DIR: dir } };
  }
  const { base, instruct, dir } = ctx.cfg.configured;
  ctx.progress(`configured pair: resolving ${base} and ${instruct} (downloading into ${dir} if needed)`);
  const options = {
    directory: dir,
    huggingFaceEndpoint: ctx.env.HF_ENDPOINT,
    token: ctx.env.HF_TOKEN,
  };
  const paths: Record<RawSide, string> = {
    base: await resolveModel(base, options),
    instruct: await resolveModel(instruct, options),
  };
  return { paths, env: { BASE_MODEL: base, INSTRUCT_MODEL: instruct, MODELS_DIR: dir } };
}

/** Loads the pair for raw node-llama-cpp, runs `work` on it, and frees the models again. */
async function withRaw<T>(
  ctx: PairRunContext,
  kind: PairKind,
  paths: Record<RawSide, string>,
  work: (raw: RawPairBench) => Promise<T>,
) {
  ctx.progress(`${kind}: loading the pair for raw node-llama-cpp`);
  const raw = (ctx.held.raw = await RawPairBench.load(paths, llamaGpuOption(ctx.cfg.gpu)));
  try {
    // node-llama-cpp may fall back to the CPU without a word; a GPU run must not compare against a CPU baseline.
    const wanted = ctx.cfg.gpu;
    if (wanted !== "auto" && wanted !== "off" && raw.backend !== wanted) {
      throw new Error(`LLAMA_GPU=${wanted}, but raw node-llama-cpp runs on the ${raw.backend} backend here`);
    }
    return await work(raw);
  } finally {
    ctx.held.raw = null;
    await raw.dispose();
  }
}

/** What every raw measurement of a pair shares. */
function rawOptions(ctx: PairRunContext, plan: PairPlan) {
  const { cfg } = ctx;
  return {
    rounds: plan.rounds,
    sampling: { prompt: cfg.prompt, maxTokens: cfg.maxTokens, temperature: cfg.temperature, seed: cfg.seed },
    systemPrompt: cfg.systemPrompt,
    roundTimeoutMs: cfg.roundTimeoutMs,
    progress: (line: string) => ctx.progress(`${plan.kind}: ${line}`),
  };
}

/** Raw node-llama-cpp on every workload with every thread configuration. */
function rawPhase(ctx: PairRunContext, plan: PairPlan, paths: Record<RawSide, string>) {
  return withRaw(ctx, plan.kind, paths, async (raw) => {
    const threads = threadCandidates(raw.cores, ctx.cfg.rawThreads);
    const workloads = plan.concurrencies.flatMap((concurrency) =>
      ctx.cfg.commands.map((command) => ({ command, concurrency })),
    );
    const sweep = await rawSweep(raw, workloads, { ...rawOptions(ctx, plan), threads });
    const meta = {
      backend: raw.backend,
      cores: raw.cores,
      threadsTried: threads,
      defaultMaxThreads: raw.defaultMaxThreads,
      contextSize: raw.contextSize("base"),
    };
    return { sweep, meta };
  });
}

/** LLAMA_THREADS that reproduces a raw configuration: its threads, or what node-llama-cpp's default settled on. */
const threadsOf = (r: RawWorkloadResult) => bestConfig(r).threads ?? bestConfig(r).threadsPerContext;

/**
 * Measures one pair: raw node-llama-cpp first (no worker running), then per concurrency a worker with default
 * settings on every command (at concurrency 1 also the short /compare answers, at the highest the burst), then a
 * worker with LLAMA_THREADS set to the fastest raw configuration's threads on the commands where they differ from
 * what the default chose; last, raw node-llama-cpp's fastest configurations once more (the baseline is the faster of
 * the two measurements).
 */
export async function runPair(ctx: PairRunContext, plan: PairPlan): Promise<PairResult> {
  const { cfg } = ctx;
  const { paths, env: modelEnv } = await pairModels(ctx, plan.kind);
  const { sweep, meta } = await rawPhase(ctx, plan, paths);
  const pairEnv = { ...ctx.env, ...modelEnv };
  const request = (command: BenchCommand, maxTokens = cfg.maxTokens): RequestOptions => ({
    command,
    text: cfg.prompt,
    temperature: cfg.temperature,
    maxTokens,
    seed: cfg.seed,
  });
  const rawFor = (command: BenchCommand, concurrency: number) => {
    const found = sweep.find((r) => r.command === command && r.concurrency === concurrency);
    if (!found) throw new Error(`no raw result for ${command} c=${concurrency}`);
    return found;
  };
  const maxConcurrency = Math.max(...plan.concurrencies);
  const measured: {
    command: BenchCommand;
    concurrency: number;
    defaultRun: PipelineRun;
    bestRun: PipelineRun | null;
  }[] = [];
  let short: ShortCompareResult | null = null;
  let burstResult: BurstResult | null = null;
  let models: Record<RawSide, { name?: string }> | undefined;

  for (const concurrency of plan.concurrencies) {
    const workerConcurrency = concurrency > 1 ? concurrency : null;
    const defaults = new Map<BenchCommand, PipelineRun>();
    const worker = await startWorker(ctx, pairEnv, { workerConcurrency, llamaThreads: null });
    models ??= worker.info["models"] as typeof models;
    try {
      await warmUp(
        ctx,
        worker,
        cfg.commands.map((command) => request(command)),
      );
      for (const command of cfg.commands) {
        defaults.set(command, await measureRun(ctx, worker, "default", concurrency, plan.rounds, request(command)));
      }
      if (short === null && cfg.commands.includes("compare") && cfg.short.answers > 0) {
        short = await shortCompare(ctx, worker, cfg.short.answers, request("compare", cfg.short.maxTokens));
      }
      if (concurrency === maxConcurrency && plan.burst > 0) {
        burstResult = await burst(ctx, worker, plan.burst, request("complete", cfg.burstMaxTokens));
        if (burstResult.unfinished > 0) {
          ctx.failures.push(`${plan.kind} burst: ${burstResult.unfinished} of ${plan.burst} requests never finished`);
        }
      }
    } finally {
      await worker.process.stop();
    }

    // Where the fastest raw configuration used other threads than the worker chose, the pipeline runs again with them.
    const chosen = worker.threads?.perContext ?? null;
    const bestRuns = new Map<BenchCommand, PipelineRun>();
    const retry = cfg.commands.filter((command) => threadsOf(rawFor(command, concurrency)) !== chosen);
    for (const llamaThreads of new Set(retry.map((command) => threadsOf(rawFor(command, concurrency))))) {
      const commands = retry.filter((command) => threadsOf(rawFor(command, concurrency)) === llamaThreads);
      const tuned = await startWorker(ctx, pairEnv, { workerConcurrency, llamaThreads });
      try {
        await warmUp(
          ctx,
          tuned,
          commands.map((command) => request(command)),
        );
        for (const command of commands) {
          bestRuns.set(command, await measureRun(ctx, tuned, "best", concurrency, plan.rounds, request(command)));
        }
      } finally {
        await tuned.process.stop();
      }
    }

    for (const command of cfg.commands) {
      const defaultRun = defaults.get(command) as PipelineRun;
      measured.push({ command, concurrency, defaultRun, bestRun: bestRuns.get(command) ?? null });
    }
  }

  // The fastest configurations once more, now that the pipeline has run: the baseline is the faster measurement.
  await withRaw(ctx, plan.kind, paths, (raw) => measureAgain(raw, sweep, rawOptions(ctx, plan)));
  const rows = measured.map(({ command, concurrency, defaultRun, bestRun }): RowResult => {
    const raw = rawFor(command, concurrency);
    const base = baseline(raw);
    const atBest = bestRun ?? defaultRun;
    return {
      command,
      concurrency,
      raw,
      defaultRun,
      bestRun,
      ratio: ratio(atBest.pipeline.tokensPerSecond, base.tokensPerSecond),
      defaultRatio: ratio(defaultRun.pipeline.tokensPerSecond, base.tokensPerSecond),
      addedTtftMs: {
        p50: difference(atBest.pipeline.ttftMs.p50, base.ttftMs.p50),
        p99: difference(atBest.pipeline.ttftMs.p99, base.ttftMs.p99),
      },
    };
  });

  return {
    kind: plan.kind,
    models: {
      base: { name: models?.base.name ?? null, file: paths.base },
      instruct: { name: models?.instruct.name ?? null, file: paths.instruct },
    },
    ...meta,
    rounds: plan.rounds,
    rows,
    short,
    burst: burstResult,
  };
}
