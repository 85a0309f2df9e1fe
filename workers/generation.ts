import { Worker } from "bullmq";
import { REST } from "discord.js";
import { loadConfig, requireToken, type Config } from "../src/config.js";
import { LiveEditor } from "../src/discord/live-editor.js";
import { QUEUE_NAME, type GenerationJob, type GenerationResult } from "../src/jobs.js";
import { Engine } from "../src/llm/engine.js";
import { resolveModel } from "../src/llm/resolve-model.js";
import { createLogger, type Logger } from "../src/log.js";
import { connectRedis } from "../src/redis.js";
import { runMain } from "../src/run-main.js";
import { createProcessor } from "./process-job.js";

/** A running worker. */
export interface GenerationWorker {
  worker: Worker<GenerationJob, GenerationResult>;
  engine: Engine;
  /** Stops taking jobs, lets active ones finish, disposes the models, closes Redis. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Base URL for `hf:` downloads. Defaults to node-llama-cpp's (Hugging Face, or `HF_ENDPOINT`). */
  huggingFaceEndpoint?: string;
}

/** Resolves (downloading if needed) and loads both models, then consumes the generation queue. */
export async function startWorker(config: Config, log: Logger, options: WorkerOptions = {}): Promise<GenerationWorker> {
  const token = requireToken(config, "worker");
  const resolve = (spec: string) =>
    resolveModel(spec, {
      directory: config.models.dir,
      ...(options.huggingFaceEndpoint ? { huggingFaceEndpoint: options.huggingFaceEndpoint } : {}),
      onProgress: (p) => {
        const percent = p.totalBytes > 0 ? Math.floor((100 * p.downloadedBytes) / p.totalBytes) : null;
        log.info(
          { model: p.spec, percent, downloadedBytes: p.downloadedBytes, totalBytes: p.totalBytes },
          "downloading model",
        );
      },
    });
  const basePath = await resolve(config.models.base);
  const instructPath = await resolve(config.models.instruct);
  const engine = await Engine.load({
    basePath,
    instructPath,
    sequences: config.worker.concurrency,
    threads: config.worker.threads,
    systemPrompt: config.models.systemPrompt,
    onLlamaLog: (level, message) => log.warn({ llamaLevel: level }, message.trim()),
  });
  log.info(engine.info, "models loaded");

  const rest = new REST({ api: config.discord.apiUrl }).setToken(token);
  const abortsByMessage = new Map<string, AbortController>();
  const editor = new LiveEditor(rest, undefined, ({ channelId, messageId, error }) => {
    log.warn({ channelId, messageId, err: error }, "live edit failed; stopping that generation");
    abortsByMessage.get(messageId)?.abort(error);
  });
  const connection = connectRedis(config.redis.url, "worker");
  connection.on("error", (err) => log.warn({ err }, "redis connection error"));
  const worker = new Worker<GenerationJob, GenerationResult>(
    QUEUE_NAME,
    createProcessor({ engine, editor, log, abortsByMessage }),
    { connection, prefix: config.redis.prefix, concurrency: engine.info.sequences },
  );
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("failed", (job, err) =>
    log.warn({ jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, "job failed"),
  );

  return {
    worker,
    engine,
    async close() {
      await worker.close();
      editor.close();
      await engine.dispose();
      await connection.quit().catch(() => connection.disconnect());
      log.info("worker closed");
    },
  };
}

runMain(import.meta.url, "worker", async () => {
  const config = loadConfig();
  const log = createLogger("worker", config.logLevel);
  const running = await startWorker(config, log);
  const stop = (signal: string) => {
    log.info({ signal }, "shutting down: finishing active jobs");
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
});
