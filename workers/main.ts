import { Worker } from "bullmq";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { REST } from "discord.js";
import type { Redis } from "ioredis";
import { requireToken, type Config } from "../src/shared/config.js";
import { MessageScheduler } from "./output/message-scheduler.js";
import { jobIdFor, QUEUE_NAME, type GenerationJob, type GenerationResult } from "../src/shared/jobs.js";
import { releaseLease } from "../src/shared/store/limits.js";
import { listenForStops, stoppedBefore } from "../src/shared/store/stop-requests.js";
import type { Engine } from "./engine/engine.js";
import { loadConfiguredEngine } from "./engine/load-configured-engine.js";
import type { Logger } from "../src/shared/log.js";
import { countRateLimits } from "../src/shared/ops/count-rate-limits.js";
import { createRegistry, createWorkerMetrics, type WorkerMetrics } from "../src/shared/ops/metrics.js";
import { startOpsServer, type OpsServer } from "../src/shared/ops/ops-server.js";
import { connectRedis, pingRedis } from "../src/shared/redis.js";
import { runService } from "../src/shared/run-main.js";
import { startHeartbeat } from "../src/shared/store/worker-registry.js";
import { watchLease } from "./lease-watch.js";
import { createProcessor, reportLostJob, stopReason } from "./process-job.js";

/**
 * Lock and stall settings. BullMQ renews a job's lock every `lockDuration / 2` from a timer; generation
 * runs in node-llama-cpp's native threads and never blocks the event loop for long, so a live worker
 * always renews in time. A killed worker's jobs are found by the next stall check once the lock has
 * expired: back in the queue within lockDuration + stalledInterval = 12 s, instead of up to 60 s with the
 * 30 s defaults. One stall is recovered; a job whose worker dies twice fails, and its user is told.
 */
const LOCKS = { lockDuration: 8_000, stalledInterval: 4_000, maxStalledCount: 1 } as const;

/** A worker's default share of Discord's global 50 requests/s; with N workers, set DISCORD_GLOBAL_RPS to 30/N. */
export const WORKER_GLOBAL_RPS = 30;

/** A running worker. */
export interface GenerationWorker {
  worker: Worker<GenerationJob, GenerationResult>;
  engine: Engine;
  /** The health and metrics endpoint's port, if HEALTH_PORT is set. */
  opsPort: number | null;
  /** Stops taking jobs, lets active ones finish, disposes the models, closes Redis. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Base URL for `hf:` downloads. Defaults to `HF_ENDPOINT`, else Hugging Face. */
  huggingFaceEndpoint?: string;
}

/** Loads the configured pair (see {@link loadConfiguredEngine}) and says what it loaded. */
async function loadEngine(config: Config, log: Logger, options: WorkerOptions): Promise<Engine> {
  const engine = await loadConfiguredEngine(config, log, options);
  log.info({ ...engine.info, threads: engine.threads }, "models loaded");
  return engine;
}

/** Consumes the queue with the loaded engine; concurrency = sequences per context. */
async function consume(
  config: Config,
  log: Logger,
  engine: Engine,
  connection: Redis,
  metrics: WorkerMetrics,
  token: string,
) {
  const rest = new REST({
    api: config.discord.apiUrl,
    globalRequestsPerSecond: config.discord.globalRps ?? WORKER_GLOBAL_RPS,
  }).setToken(token);
  countRateLimits(rest, metrics.discordRateLimited);
  const scheduler = new MessageScheduler(rest, undefined, ({ channelId, error }) => {
    // The next edit carries newer text anyway; the answer goes on.
    log.warn({ channelId, err: error }, "a streaming message request failed; the next one replaces it");
    metrics.errors.inc({ kind: "discord_edit" });
  });
  const release = (job: GenerationJob) =>
    releaseLease(connection, config.redis.prefix, {
      userId: job.requestedBy.userId,
      guildId: job.target.guildId,
      requestId: jobIdFor(job.interactionId),
    });
  // A job's lock is renewed every half lock: stop writing before it could expire without this worker knowing.
  const lease = watchLease(connection, { everyMs: 500, limitMs: LOCKS.lockDuration / 2 - 1_000 });
  const deps = {
    engine,
    scheduler,
    log,
    metrics,
    release,
    lease,
    stoppedBefore: (jobId: string) => stoppedBefore(connection, config.redis.prefix, jobId),
    redis: connection,
    prefix: config.redis.prefix,
    systemPrompt: config.models.systemPrompt,
    retention: config.retention,
  };
  // Shown on each job as processedBy: which machine and process ran it.
  const name = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const worker = new Worker<GenerationJob, GenerationResult>(QUEUE_NAME, createProcessor(deps), {
    ...LOCKS,
    connection,
    prefix: config.redis.prefix,
    concurrency: engine.info.sequences,
    name,
  });
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("failed", (job, err) => {
    log.warn({ jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, "job failed");
    // A job failed by the stall check never reached our processor's failure path.
    if (job && /stalled/i.test(err.message)) void reportLostJob(job, deps);
  });
  // Stop buttons: the gateway publishes; whichever worker runs the job cancels it.
  const unlisten = await listenForStops(connection, config.redis.prefix, ({ jobId, by }) => {
    if (worker.cancelJob(jobId, stopReason(by))) log.info({ jobId, by }, "stopping a generation");
  });
  // What /models shows about this worker, kept fresh while it runs.
  const retire = startHeartbeat(
    connection,
    config.redis.prefix,
    {
      name,
      host: hostname(),
      backend: engine.info.backend,
      sequences: engine.info.sequences,
      models: engine.info.models,
      startedAt: Date.now(),
    },
    (err) => log.warn({ err }, "could not announce this worker"),
  );
  return { worker, scheduler, unlisten, retire, lease };
}

/**
 * Starts a worker: the health endpoint first (live at once, ready once the models are loaded), then
 * the models (downloading if needed), then the queue.
 */
export async function startWorker(config: Config, log: Logger, options: WorkerOptions = {}): Promise<GenerationWorker> {
  const token = requireToken(config, "worker");
  const registry = createRegistry("worker");
  const metrics = createWorkerMetrics(registry);
  const connection = connectRedis(config.redis.url, "worker");
  connection.on("error", (err) => log.warn({ err }, "redis connection error"));
  let running: Awaited<ReturnType<typeof consume>> | null = null;
  let ops: OpsServer | null = null;
  let engine: Engine | null = null;
  try {
    if (config.ops.port !== undefined) {
      ops = await startOpsServer(
        config.ops.port,
        config.ops.host,
        [
          ["models", () => engine !== null],
          ["redis", () => pingRedis(connection)],
          ["consuming", () => running?.worker.isRunning() ?? false],
        ],
        registry,
      );
      log.info({ port: ops.port }, "health and metrics endpoint listening");
    }
    engine = await loadEngine(config, log, options);
    running = await consume(config, log, engine, connection, metrics, token);
  } catch (error) {
    await engine?.dispose();
    await ops?.close();
    connection.disconnect();
    throw error;
  }
  const { worker, scheduler, unlisten, retire, lease } = running;
  const loaded = engine;
  return {
    worker,
    engine: loaded,
    opsPort: ops?.port ?? null,
    async close() {
      // Stop taking jobs; let active ones finish within the grace period, then hand them back.
      const grace = setTimeout(() => {
        log.warn({ graceMs: config.worker.shutdownGraceMs }, "shutdown grace period over: handing active jobs back");
        worker.cancelAllJobs("shutdown");
      }, config.worker.shutdownGraceMs);
      await retire();
      await worker.close();
      clearTimeout(grace);
      scheduler.close();
      lease.close();
      await unlisten();
      await loaded.dispose();
      await connection.quit().catch(() => connection.disconnect());
      await ops?.close();
      log.info("worker closed");
    },
  };
}

runService(import.meta.url, "worker", startWorker);
