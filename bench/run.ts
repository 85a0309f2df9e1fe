/**
 * `npm run bench`: the real pipeline (gateway and worker as child processes, Redis, the fake Discord in this process)
 * against raw node-llama-cpp on the same models with the same parameters, per model pair (by default the tiny test
 * models, for the fixed costs, then the realistic-cost pair, for a real model's cost): raw node-llama-cpp with every
 * thread configuration, then the worker with its default settings (and with the fastest raw configuration's threads
 * where those differ), /complete and /compare, concurrency by concurrency; short /compare answers for the Discord
 * requests one costs; a burst of small requests. Prints a report and writes bench/results/*.json.
 * Settings: see {@link readBenchConfig}. Exits 0 when it ran (targets met or not), 1 when something failed.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeDiscord } from "../test/support/fake-discord/index.js";
import { BenchConfigError, readBenchConfig, type BenchConfig } from "./bench-config.js";
import type { BenchResult, PairResult } from "./bench-result.js";
import { formatReport } from "./format-report.js";
import { machineInfo } from "./machine-info.js";
import { PipelineDriver } from "./pipeline-driver.js";
import { deleteKeysWithPrefix } from "./redis-keys.js";
import { runPair, type PairRunContext } from "./run-pair.js";
import { killAllServices, ServiceProcess, stopAllServices, unlessExited } from "./service-process.js";
import { watchStopSignals } from "./stop-signals.js";
import { evaluateTargets, GLOBAL_BUDGET } from "./targets.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS_DIR = join(ROOT, "bench", "results");
/** The services' documented variables: the bench sets these itself (HF_TOKEN, HF_ENDPOINT, LLAMA_GPU pass through). */
const SERVICE_VARIABLES = new Set([
  ...["DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_GUILD_ID", "DISCORD_API_URL", "REDIS_URL", "QUEUE_PREFIX"],
  ...["BASE_MODEL", "INSTRUCT_MODEL", "MODELS_DIR", "WORKER_CONCURRENCY", "MAX_NEW_TOKENS"],
  ...[
    "LLAMA_THREADS",
    "LOG_LEVEL",
    "USER_COOLDOWN_SECONDS",
    "USER_MAX_IN_FLIGHT",
    "GUILD_MAX_IN_FLIGHT",
    "DISCORD_GLOBAL_RPS",
    "HEALTH_PORT",
  ],
]);

/** What must be undone however the run ends. */
const held: PairRunContext["held"] & { fake?: FakeDiscord; prefix?: string } = { raw: null, tempDirs: [] };
let cleaning: Promise<void> | null = null;

/** Stops the services, frees the models, closes the fake, deletes the run's Redis keys and temp models. */
function cleanUp(redisUrl: string): Promise<void> {
  const step = (what: string, fn: () => Promise<unknown>) =>
    fn().catch((error: unknown) => console.error(`bench: cleanup (${what}) failed: ${String(error)}`));
  cleaning ??= (async () => {
    await step("services", () => stopAllServices());
    if (held.raw) await step("models", () => held.raw?.dispose() ?? Promise.resolve());
    if (held.fake) await step("fake Discord", () => held.fake?.close() ?? Promise.resolve());
    if (held.prefix) await step("redis keys", () => deleteKeysWithPrefix(redisUrl, held.prefix ?? ""));
    for (const dir of held.tempDirs) await step("models", () => rm(dir, { recursive: true, force: true }));
  })();
  return cleaning;
}

const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function run(cfg: BenchConfig): Promise<BenchResult> {
  const startedAt = new Date();
  const failures: string[] = [];
  const fake = (held.fake = await FakeDiscord.start());
  const slots = Math.max(...cfg.pairs.flatMap((p) => [...p.concurrencies, p.burst]));
  const driver = PipelineDriver.setUp(fake, slots);
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
    MAX_NEW_TOKENS: String(Math.max(cfg.maxTokens, cfg.burstMaxTokens, cfg.short.maxTokens)),
    LOG_LEVEL: "info",
    // The bench measures throughput, not the abuse limits: a burst from one server must all be served.
    USER_COOLDOWN_SECONDS: "0",
    USER_MAX_IN_FLIGHT: "1000",
    GUILD_MAX_IN_FLIGHT: "100000",
  };

  progress(`starting the gateway (queue prefix ${prefix})`);
  const gateway = ServiceProcess.start("gateway", "src/gateway/main.ts", ROOT, env);
  const registered = fake.waitFor(() => fake.commands().some((c) => c.name === "compare"), {
    timeoutMs: cfg.startTimeoutMs,
  });
  await unlessExited(Promise.all([gateway.waitForLog("gateway ready", cfg.startTimeoutMs), registered]), [gateway]);

  const ctx: PairRunContext = {
    cfg,
    env,
    held,
    failures,
    fake,
    driver,
    gateway,
    root: ROOT,
    roundTimeoutMs: cfg.roundTimeoutMs,
    burstTimeoutMs: cfg.burstTimeoutMs,
    startTimeoutMs: cfg.startTimeoutMs,
    progress,
  };
  const pairs: PairResult[] = [];
  for (const plan of cfg.pairs) pairs.push(await runPair(ctx, plan));

  const gatewayFigures = await gateway.figures(0);
  await stopAllServices();
  const redisKeysDeleted = await deleteKeysWithPrefix(cfg.redisUrl, prefix).catch((error: unknown) => {
    failures.push(`deleting Redis keys: ${String(error)}`);
    return null;
  });
  const finishedAt = new Date();
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    settings: {
      commands: cfg.commands,
      prompt: cfg.prompt,
      maxTokens: cfg.maxTokens,
      temperature: cfg.temperature,
      seed: cfg.seed,
      systemPrompt: cfg.systemPrompt,
      pairs: cfg.pairs,
      burstMaxTokens: cfg.burstMaxTokens,
      short: cfg.short,
      rawThreads: cfg.rawThreads,
      llamaGpu: cfg.gpu,
      queuePrefix: prefix,
      channels: "one per concurrent request",
      globalBudget: { ...GLOBAL_BUDGET },
    },
    machine: await machineInfo(ROOT),
    pairs,
    gateway: gatewayFigures,
    targets: evaluateTargets(pairs),
    failures,
    redisKeysDeleted,
  };
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
    const result = await Promise.race([run(cfg), deadline, stop.interrupted]);
    console.log(formatReport(result));
    await mkdir(RESULTS_DIR, { recursive: true });
    const json = JSON.stringify(result, null, 2) + "\n";
    const file = join(RESULTS_DIR, `bench-${result.startedAt.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, json);
    await writeFile(join(RESULTS_DIR, "latest.json"), json);
    console.log(`\nWrote ${file} and bench/results/latest.json`);
    for (const failure of result.failures) console.error(`bench: ${failure}`);
    return result.failures.length > 0 ? 1 : 0;
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
