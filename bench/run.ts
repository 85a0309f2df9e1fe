/**
 * `npm run bench`: the real pipeline (gateway and worker as child processes, Redis, the fake Discord in
 * this process) against raw node-llama-cpp on the same model with the same parameters, concurrency by
 * concurrency, then a burst of small requests. Prints a table and writes bench/results/*.json.
 * Settings: see {@link readBenchConfig}. Exits 0 when it ran (targets met or not), 1 when something failed.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveModel } from "../workers/engine/resolve-model.js";
import { FakeDiscord } from "../test/support/fake-discord/index.js";
import { writeTestModels } from "../test/support/tiny-models.js";
import { BenchConfigError, readBenchConfig, type BenchConfig } from "./bench-config.js";
import type { BenchResult } from "./bench-result.js";
import { formatReport } from "./format-report.js";
import { watchLoopDelay } from "./loop-delay.js";
import { machineInfo } from "./machine-info.js";
import { concurrencyResult, pipelineFigures, type BurstResult, type ConcurrencyResult } from "./phase-results.js";
import { PipelineDriver, type CompleteOptions } from "./pipeline-driver.js";
import { RawCompletionBench } from "./raw-completion.js";
import { deleteKeysWithPrefix } from "./redis-keys.js";
import { countRequestsSince, markRequests } from "./request-counts.js";
import type { RequestTrace } from "./request-trace.js";
import { killAllServices, ServiceProcess, stopAllServices, unlessExited, type LogRecord } from "./service-process.js";
import { summarize } from "./stats.js";
import { watchStopSignals } from "./stop-signals.js";
import { evaluateTargets } from "./targets.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS_DIR = join(ROOT, "bench", "results");
/** The services' documented variables: the bench sets these itself (HF_TOKEN passes through). */
const SERVICE_VARIABLES = new Set([
  ...["DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_GUILD_ID", "DISCORD_API_URL", "REDIS_URL", "QUEUE_PREFIX"],
  ...["BASE_MODEL", "INSTRUCT_MODEL", "MODELS_DIR", "WORKER_CONCURRENCY", "MAX_NEW_TOKENS", "SYSTEM_PROMPT"],
  ...[
    "LLAMA_THREADS",
    "LOG_LEVEL",
    "USER_COOLDOWN_SECONDS",
    "USER_MAX_IN_FLIGHT",
    "GUILD_MAX_IN_FLIGHT",
    "DISCORD_GLOBAL_RPS",
  ],
]);

/** What must be undone however the run ends. */
const held: { fake?: FakeDiscord; raw?: RawCompletionBench; prefix?: string; modelsDir?: string } = {};
let cleaning: Promise<void> | null = null;

/** Stops the services, frees the model, closes the fake, deletes the run's Redis keys and temp models. */
function cleanUp(redisUrl: string): Promise<void> {
  const step = (what: string, fn: () => Promise<unknown>) =>
    fn().catch((error: unknown) => console.error(`bench: cleanup (${what}) failed: ${String(error)}`));
  cleaning ??= (async () => {
    await step("services", () => stopAllServices());
    if (held.raw) await step("model", () => held.raw?.dispose() ?? Promise.resolve());
    if (held.fake) await step("fake Discord", () => held.fake?.close() ?? Promise.resolve());
    if (held.prefix) await step("redis keys", () => deleteKeysWithPrefix(redisUrl, held.prefix ?? ""));
    if (held.modelsDir) await step("models", () => rm(held.modelsDir ?? "", { recursive: true, force: true }));
  })();
  return cleaning;
}

const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function run(cfg: BenchConfig): Promise<{ result: BenchResult; failures: string[] }> {
  const startedAt = new Date();
  const failures: string[] = [];
  let base: string, instruct: string, modelsDir: string, threads: number | undefined;
  if (cfg.models.kind === "tiny") {
    modelsDir = held.modelsDir = await mkdtemp(join(tmpdir(), "bvi-bench-models-"));
    ({ base, instruct } = await writeTestModels(modelsDir));
    threads = 1; // the tiny models are fastest on one thread (see TINY_CONTEXT_OPTIONS)
  } else {
    ({ base, instruct, dir: modelsDir, threads } = cfg.models);
  }
  const fake = (held.fake = await FakeDiscord.start());
  const maxConcurrency = Math.max(1, ...cfg.concurrencies);
  const driver = PipelineDriver.setUp(fake, Math.max(maxConcurrency, cfg.burst.size));
  const prefix = `bvi-bench:${process.pid}:${randomBytes(4).toString("hex")}`;
  await deleteKeysWithPrefix(cfg.redisUrl, prefix).catch((error: unknown) => {
    throw new Error(`Redis at ${cfg.redisUrl} is not reachable (${String(error)})`);
  });
  held.prefix = prefix;
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVICE_VARIABLES.has(name))),
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    REDIS_URL: cfg.redisUrl,
    QUEUE_PREFIX: prefix,
    BASE_MODEL: base,
    INSTRUCT_MODEL: instruct,
    MODELS_DIR: modelsDir,
    MAX_NEW_TOKENS: String(Math.max(cfg.maxTokens, cfg.burst.maxTokens)),
    LOG_LEVEL: "info",
    // The bench measures throughput, not the abuse limits: a burst from one server must all be served.
    USER_COOLDOWN_SECONDS: "0",
    USER_MAX_IN_FLIGHT: "1000",
    GUILD_MAX_IN_FLIGHT: "100000",
    ...(threads ? { LLAMA_THREADS: String(threads) } : {}),
  };

  progress(`starting the gateway (queue prefix ${prefix})`);
  const gateway = ServiceProcess.start("gateway", "src/gateway/main.ts", ROOT, env);
  const registered = fake.waitFor(() => fake.commands().some((c) => c.name === "complete"), {
    timeoutMs: cfg.startTimeoutMs,
  });
  await unlessExited(Promise.all([gateway.waitForLog("gateway ready", cfg.startTimeoutMs), registered]), [gateway]);

  progress(`loading ${base} for the raw runs`);
  const rawPath = cfg.models.kind === "tiny" ? base : await resolveModel(base, { directory: modelsDir });
  const raw = (held.raw = await RawCompletionBench.load(rawPath, threads));

  const startWorker = async (concurrency: number) => {
    const worker = ServiceProcess.start(`worker (c=${concurrency})`, "workers/main.ts", ROOT, {
      ...env,
      WORKER_CONCURRENCY: String(concurrency),
    });
    const info = await unlessExited(worker.waitForLog("models loaded", cfg.startTimeoutMs), [gateway, worker]);
    return { worker, info };
  };
  const complete: CompleteOptions = { text: cfg.prompt, temperature: 0, maxTokens: cfg.maxTokens, seed: cfg.seed };
  /** Fires `count` requests at once and waits for all to be final; throws if any is not. */
  const round = async (count: number, worker: ServiceProcess): Promise<RequestTrace[]> => {
    const { ids } = await driver.dispatch(count, complete);
    const { traces, missing } = await unlessExited(driver.waitForFinal(ids, cfg.roundTimeoutMs), [gateway, worker]);
    if (missing.length > 0) {
      const recent = fake.errors.slice(-5).map((e) => `  ${e.method} ${e.path} -> ${e.status} ${e.code} ${e.message}`);
      throw new Error(
        `${missing.length} of ${count} requests not final after ${cfg.roundTimeoutMs} ms\n${recent.join("\n")}\n${worker.describe()}`,
      );
    }
    return traces;
  };

  let workerInfo: LogRecord | null = null;
  const rows: ConcurrencyResult[] = [];
  for (const c of cfg.concurrencies) {
    progress(`c=${c}: raw node-llama-cpp, ${cfg.rounds} round(s)`);
    const rawRounds = await raw.measure(c, cfg.rounds, {
      prompt: cfg.prompt,
      maxTokens: cfg.maxTokens,
      temperature: 0,
      seed: cfg.seed,
    });
    progress(`c=${c}: pipeline, starting a worker with WORKER_CONCURRENCY=${c}`);
    const { worker, info } = await startWorker(c);
    workerInfo ??= info;
    await round(1, worker); // warm-up, not measured
    const mark = markRequests(fake);
    const logFrom = worker.records.length;
    const loopDelay = watchLoopDelay();
    const rounds: RequestTrace[][] = [];
    for (let r = 0; r < cfg.rounds; r++) rounds.push(await round(c, worker));
    const benchLoopDelayMs = loopDelay();
    const discord = countRequestsSince(fake, mark);
    const figures = await worker.figures(logFrom);
    await worker.stop();
    const sequences = typeof info["sequences"] === "number" ? info["sequences"] : null;
    rows.push(
      concurrencyResult({
        concurrency: c,
        rawRounds,
        pipelineRounds: rounds,
        workerRecords: worker.records,
        discord,
        benchLoopDelayMs,
        worker: { ...figures, sequences },
      }),
    );
  }

  let burst: BurstResult | null = null;
  if (cfg.burst.size > 0) {
    progress(`burst: starting a worker with WORKER_CONCURRENCY=${maxConcurrency}`);
    const { worker, info } = await startWorker(maxConcurrency);
    workerInfo ??= info;
    await round(1, worker); // warm-up, not measured
    const mark = markRequests(fake);
    const logFrom = worker.records.length;
    const gatewayFrom = gateway.records.length;
    progress(`burst: ${cfg.burst.size} × /complete max_tokens ${cfg.burst.maxTokens}`);
    const loopDelay = watchLoopDelay();
    const sent = await driver.dispatch(cfg.burst.size, { ...complete, maxTokens: cfg.burst.maxTokens });
    const { traces, missing } = await unlessExited(driver.waitForFinal(sent.ids, cfg.burstTimeoutMs), [
      gateway,
      worker,
    ]);
    if (missing.length > 0) failures.push(`burst: ${missing.length} of ${cfg.burst.size} requests never finished`);
    const benchLoopDelayMs = loopDelay();
    const discord = countRequestsSince(fake, mark);
    const pipeline = pipelineFigures([traces], worker.records);
    // Acknowledgement over every interaction, finished or not.
    const acks = sent.ids.map((id) => fake.interaction(id).acknowledgedAfterMs).filter((x) => x !== null);
    pipeline.ackMs = summarize(acks);
    burst = {
      size: cfg.burst.size,
      maxTokens: cfg.burst.maxTokens,
      workerConcurrency: maxConcurrency,
      dispatchSpreadMs: Math.round(sent.spreadMs * 10) / 10,
      drainMs: pipeline.rounds[0]?.wallMs ?? 0,
      unacknowledged: driver.unacknowledged(sent.ids).length,
      pipeline,
      discord,
      worker: await worker.figures(logFrom),
      gateway: await gateway.figures(gatewayFrom),
      benchLoopDelayMs,
    };
    await worker.stop();
  }

  const gatewayFigures = await gateway.figures(0);
  await stopAllServices();
  const redisKeysDeleted = await deleteKeysWithPrefix(cfg.redisUrl, prefix).catch((error: unknown) => {
    failures.push(`deleting Redis keys: ${String(error)}`);
    return null;
  });
  const machine = await machineInfo(ROOT);
  const models = workerInfo?.["models"] as Record<"base" | "instruct", { name?: string; file?: string }> | undefined;
  const finishedAt = new Date();
  const result: BenchResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    settings: {
      command: "/complete",
      prompt: cfg.prompt,
      maxTokens: cfg.maxTokens,
      temperature: 0,
      seed: cfg.seed,
      rounds: cfg.rounds,
      concurrencies: cfg.concurrencies,
      burst: cfg.burst,
      llamaThreads: threads ?? null,
      contextSize: raw.contextSize,
      queuePrefix: prefix,
      channels: "one per concurrent request",
    },
    machine: { ...machine, backend: typeof workerInfo?.["backend"] === "string" ? workerInfo["backend"] : null },
    models: {
      kind: cfg.models.kind,
      base: { name: models?.base.name ?? null, file: base },
      instruct: { name: models?.instruct.name ?? null, file: instruct },
    },
    concurrency: rows,
    burst,
    gateway: gatewayFigures,
    targets: evaluateTargets(rows, burst),
    redisKeysDeleted,
  };
  return { result, failures };
}

async function main(): Promise<number> {
  let cfg: BenchConfig;
  try {
    cfg = readBenchConfig(process.env, ROOT);
  } catch (error) {
    if (!(error instanceof BenchConfigError)) throw error;
    console.error(`bench: ${error.message}`);
    return 2;
  }
  process.on("exit", killAllServices);
  const stop = watchStopSignals((signal) => progress(`${signal}: stopping and cleaning up (again to quit at once)`));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the run took longer than ${cfg.runTimeoutMs} ms`)), cfg.runTimeoutMs);
  });
  try {
    const { result, failures } = await Promise.race([run(cfg), deadline, stop.interrupted]);
    console.log(formatReport(result));
    await mkdir(RESULTS_DIR, { recursive: true });
    const json = JSON.stringify(result, null, 2) + "\n";
    const file = join(RESULTS_DIR, `bench-${result.startedAt.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, json);
    await writeFile(join(RESULTS_DIR, "latest.json"), json);
    console.log(`\nWrote ${file} and bench/results/latest.json`);
    for (const failure of failures) console.error(`bench: ${failure}`);
    return failures.length > 0 ? 1 : 0;
  } catch (error) {
    if (stop.signal) {
      console.error(`bench: interrupted by ${stop.signal}; no results written`);
      return stop.code;
    }
    console.error(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanUp(cfg.redisUrl);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
