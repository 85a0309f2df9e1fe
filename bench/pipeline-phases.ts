import type { FakeDiscord } from "../test/support/fake-discord/index.js";
import { watchLoopDelay } from "./loop-delay.js";
import { pipelineFigures, type BurstResult, type PipelineRun } from "./phase-results.js";
import type { PipelineDriver, RequestOptions } from "./pipeline-driver.js";
import { countRequestsSince, markRequests, perAnswer, waitForQuiet, type RequestCounts } from "./request-counts.js";
import type { RequestTrace } from "./request-trace.js";
import { ServiceProcess, unlessExited, type LogRecord } from "./service-process.js";
import { summarize } from "./stats.js";

/** What the pipeline phases share: the fake, the users, the gateway, and how long to wait. */
export interface PhaseContext {
  fake: FakeDiscord;
  driver: PipelineDriver;
  gateway: ServiceProcess;
  root: string;
  roundTimeoutMs: number;
  burstTimeoutMs: number;
  startTimeoutMs: number;
  progress: (line: string) => void;
}

/** A worker as the bench started it, with what it logged when its models were loaded. */
export interface BenchWorker {
  process: ServiceProcess;
  llamaThreads: number | null;
  workerConcurrency: number | null;
  threads: { perContext: number; total: number } | null;
  sequences: number | null;
  info: LogRecord;
}

/**
 * Starts `npm run worker`'s entry with `env`, plus WORKER_CONCURRENCY and LLAMA_THREADS only where given (null: the
 * worker's own default), and waits for "models loaded".
 */
export async function startWorker(
  ctx: PhaseContext,
  env: NodeJS.ProcessEnv,
  settings: { workerConcurrency: number | null; llamaThreads: number | null },
): Promise<BenchWorker> {
  const name = `worker (WORKER_CONCURRENCY ${settings.workerConcurrency ?? "default"}, LLAMA_THREADS ${settings.llamaThreads ?? "default"})`;
  ctx.progress(`starting ${name}`);
  const process = ServiceProcess.start(name, "workers/main.ts", ctx.root, {
    ...env,
    ...(settings.workerConcurrency !== null ? { WORKER_CONCURRENCY: String(settings.workerConcurrency) } : {}),
    ...(settings.llamaThreads !== null ? { LLAMA_THREADS: String(settings.llamaThreads) } : {}),
  });
  const info = await unlessExited(process.waitForLog("models loaded", ctx.startTimeoutMs), [ctx.gateway, process]);
  const threads = info["threads"] as { perContext?: unknown; total?: unknown } | undefined;
  return {
    process,
    ...settings,
    threads:
      typeof threads?.perContext === "number" && typeof threads.total === "number"
        ? { perContext: threads.perContext, total: threads.total }
        : null,
    sequences: typeof info["sequences"] === "number" ? info["sequences"] : null,
    info,
  };
}

/** Fires `count` requests at once and waits for all to be final; throws if any is not. */
async function round(ctx: PhaseContext, worker: BenchWorker, count: number, options: RequestOptions) {
  const sent = await ctx.driver.dispatch(count, options);
  const { traces, missing } = await unlessExited(ctx.driver.waitForFinal(sent, ctx.roundTimeoutMs), [
    ctx.gateway,
    worker.process,
  ]);
  if (missing.length > 0) {
    const recent = ctx.fake.errors
      .slice(-5)
      .map((e) => `  ${e.method} ${e.path} -> ${e.status} ${e.code} ${e.message}`);
    throw new Error(
      `${missing.length} of ${count} ${options.command} requests not final after ${ctx.roundTimeoutMs} ms\n${recent.join("\n")}\n${worker.process.describe()}`,
    );
  }
  return traces;
}

/** One unmeasured request per command: the worker's first generation of each kind is not a fair sample. */
export async function warmUp(ctx: PhaseContext, worker: BenchWorker, options: readonly RequestOptions[]) {
  for (const option of options) await round(ctx, worker, 1, option);
  await waitForQuiet(ctx.fake);
}

/** `rounds` rounds of `concurrency` requests at once on `worker`, with the Discord traffic they caused. */
export async function measureRun(
  ctx: PhaseContext,
  worker: BenchWorker,
  settings: PipelineRun["settings"],
  concurrency: number,
  rounds: number,
  options: RequestOptions,
): Promise<PipelineRun> {
  ctx.progress(`pipeline ${options.command} c=${concurrency} (${settings} settings), ${rounds} round(s)`);
  await waitForQuiet(ctx.fake);
  const mark = markRequests(ctx.fake);
  const logFrom = worker.process.records.length;
  const loopDelay = watchLoopDelay();
  const traces: RequestTrace[][] = [];
  for (let r = 0; r < rounds; r++) traces.push(await round(ctx, worker, concurrency, options));
  const benchLoopDelayMs = loopDelay();
  await waitForQuiet(ctx.fake);
  const discord = countRequestsSince(ctx.fake, mark);
  return {
    settings,
    llamaThreads: worker.llamaThreads,
    workerConcurrency: worker.workerConcurrency,
    workerThreads: worker.threads,
    sequences: worker.sequences,
    pipeline: pipelineFigures(traces, worker.process.records),
    discord,
    perAnswer: perAnswer(discord.global, concurrency * rounds),
    worker: await worker.process.figures(logFrom),
    benchLoopDelayMs,
  };
}

/** Short /compare answers, one after the other: the Discord requests one answer costs. */
export interface ShortCompareResult {
  answers: number;
  maxTokens: number;
  counts: RequestCounts;
  perAnswer: ReturnType<typeof perAnswer>;
  /** Dispatch → last final, per answer. */
  finalMs: ReturnType<typeof summarize>;
}

export async function shortCompare(
  ctx: PhaseContext,
  worker: BenchWorker,
  answers: number,
  options: RequestOptions,
): Promise<ShortCompareResult> {
  ctx.progress(`${answers} short /compare answer(s), max_tokens ${options.maxTokens}, one at a time`);
  await waitForQuiet(ctx.fake);
  const mark = markRequests(ctx.fake);
  const finals: number[] = [];
  for (let i = 0; i < answers; i++) {
    const [trace] = await round(ctx, worker, 1, options);
    if (trace) finals.push(trace.finalMs);
    await waitForQuiet(ctx.fake);
  }
  const counts = countRequestsSince(ctx.fake, mark);
  return {
    answers,
    maxTokens: options.maxTokens,
    counts,
    perAnswer: perAnswer(counts.global, answers),
    finalMs: summarize(finals),
  };
}

/** `size` requests fired at once; every acknowledgement counts, finished or not. */
export async function burst(
  ctx: PhaseContext,
  worker: BenchWorker,
  size: number,
  options: RequestOptions,
): Promise<BurstResult> {
  ctx.progress(`burst: ${size} × /${options.command} max_tokens ${options.maxTokens}`);
  await waitForQuiet(ctx.fake);
  const mark = markRequests(ctx.fake);
  const logFrom = worker.process.records.length;
  const gatewayFrom = ctx.gateway.records.length;
  const loopDelay = watchLoopDelay();
  const sent = await ctx.driver.dispatch(size, options);
  const { traces, missing } = await unlessExited(ctx.driver.waitForFinal(sent, ctx.burstTimeoutMs), [
    ctx.gateway,
    worker.process,
  ]);
  const benchLoopDelayMs = loopDelay();
  await waitForQuiet(ctx.fake);
  const pipeline = pipelineFigures([traces], worker.process.records);
  const acks = sent.ids.map((id) => ctx.fake.interaction(id).acknowledgedAfterMs).filter((x) => x !== null);
  pipeline.ackMs = summarize(acks);
  return {
    size,
    maxTokens: options.maxTokens,
    workerConcurrency: worker.sequences ?? 0,
    dispatchSpreadMs: Math.round(sent.spreadMs * 10) / 10,
    drainMs: pipeline.rounds[0]?.wallMs ?? 0,
    unacknowledged: ctx.driver.unacknowledged(sent.ids).length,
    unfinished: missing.length,
    pipeline,
    discord: countRequestsSince(ctx.fake, mark),
    worker: await worker.process.figures(logFrom),
    gateway: await ctx.gateway.figures(gatewayFrom),
    benchLoopDelayMs,
  };
}
