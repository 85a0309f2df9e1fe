import type { Config } from "../../src/shared/config.js";
import type { Logger } from "../../src/shared/log.js";
import { Engine } from "./engine.js";
import { checkBackend, llamaGpuOption, requireGpu } from "./gpu.js";
import type { DownloadProgress } from "./resolve-model.js";
import { resolveModelPair } from "./resolve-model-pair.js";

export interface LoadOptions {
  /** Base URL for `hf:` downloads. Defaults to `HF_ENDPOINT`, else Hugging Face. */
  huggingFaceEndpoint?: string | undefined;
  /** Sequences per context. Defaults to `WORKER_CONCURRENCY`, else what the hardware allows. */
  sequences?: number | undefined;
  /** Download progress, per model. Defaults to a log line per report. */
  onProgress?: (role: "base" | "instruct", progress: DownloadProgress) => void;
  /** Defaults to 5000 ms. */
  progressIntervalMs?: number;
}

/**
 * Loads the configured pair the way every entry point does: checks that the GPU `LLAMA_GPU` names can be used
 * (refusing before any download otherwise), resolves both models at once (downloading and verifying them if
 * needed), loads them, and refuses a backend other than the one configured.
 */
export async function loadConfiguredEngine(config: Config, log: Logger, options: LoadOptions = {}): Promise<Engine> {
  await requireGpu(config.worker.gpu, log);
  const { basePath, instructPath } = await resolveModelPair(config.models, {
    directory: config.models.dir,
    huggingFaceEndpoint: options.huggingFaceEndpoint ?? config.models.hfEndpoint,
    token: config.models.hfToken,
    log,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
  });
  const engine = await Engine.load({
    basePath,
    instructPath,
    sequences: options.sequences ?? config.worker.concurrency,
    threads: config.worker.threads,
    systemPrompt: config.models.systemPrompt,
    gpu: llamaGpuOption(config.worker.gpu),
    onLlamaLog: (level, message) => log.warn({ llamaLevel: level }, message.trim()),
  });
  try {
    await checkBackend(config.worker.gpu, engine.info.backend, log);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return engine;
}
