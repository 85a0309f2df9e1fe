import type { Config } from "../shared/config.js";
import { Engine } from "../../workers/engine/engine.js";
import { checkBackend, llamaGpuOption, requireGpu } from "../../workers/engine/gpu.js";
import { resolveModel } from "../../workers/engine/resolve-model.js";
import { downloadDisplay } from "./download-progress.js";
import { LiveArea } from "./live-area.js";
import { terminalLogger } from "./terminal-log.js";

/**
 * Loads the configured pair the way the worker does (the same GPU checks, downloads into `MODELS_DIR` with their
 * checksums, engine and settings), reporting to `stderr` for a person: download bars on a terminal, plain lines
 * elsewhere, warnings as lines. One sequence per context: a command-line run generates one side per model at a
 * time, as a worker does for one job.
 */
export async function loadTerminalEngine(config: Config, name: string, stderr: NodeJS.WriteStream): Promise<Engine> {
  const display = downloadDisplay(stderr);
  const log = terminalLogger(name, config.logLevel, (text) => display.print(text));
  await requireGpu(config.worker.gpu, log);
  display.status(`finding the models (${config.models.base}, ${config.models.instruct}) in ${config.models.dir}…`);
  const paths = await resolvePair(config, display, log).finally(() => display.close());

  const status = stderr.isTTY === true ? new LiveArea(stderr) : null;
  status?.set([`loading ${config.models.base} and ${config.models.instruct}…`]);
  try {
    const engine = await Engine.load({
      basePath: paths.base,
      instructPath: paths.instruct,
      sequences: 1,
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
  } finally {
    status?.close();
  }
}

/** Both models at once (a first run downloads them in parallel); when one fails, the other is stopped. */
async function resolvePair(
  config: Config,
  display: ReturnType<typeof downloadDisplay>,
  log: ReturnType<typeof terminalLogger>,
): Promise<{ base: string; instruct: string }> {
  const failed = new AbortController();
  const resolve = (role: string, spec: string) =>
    resolveModel(spec, {
      directory: config.models.dir,
      huggingFaceEndpoint: config.models.hfEndpoint,
      token: config.models.hfToken,
      log,
      signal: failed.signal,
      progressIntervalMs: display.intervalMs,
      onProgress: (progress) => display.update(role, progress),
    });
  const base = resolve("base", config.models.base);
  const instruct = config.models.instruct === config.models.base ? base : resolve("instruct", config.models.instruct);
  try {
    const [basePath, instructPath] = await Promise.all([base, instruct]);
    return { base: basePath, instruct: instructPath };
  } catch (error) {
    failed.abort(error);
    await Promise.allSettled([base, instruct]);
    throw error;
  }
}
