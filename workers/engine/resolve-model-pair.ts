import type { Logger } from "../../src/shared/log.js";
import { resolveModel, type DownloadProgress, type ResolveModelOptions } from "./resolve-model.js";

export type ModelPairOptions = Omit<ResolveModelOptions, "onProgress" | "log" | "progressIntervalMs"> & {
  log: Logger;
  /** At most one progress report per model this often (and one when it completes). Defaults to 5000 ms. */
  progressIntervalMs?: number;
  /** Where progress goes. Defaults to a log line per report (percent and bytes). */
  onProgress?: (role: "base" | "instruct", progress: DownloadProgress) => void;
};

/**
 * Resolves the base and instruct models at the same time (a first start downloads both in parallel), logging
 * each one's progress (percent and bytes) at most every `progressIntervalMs`. The same spec on both sides is
 * resolved once. If either fails, the other is stopped and the first error thrown.
 */
export async function resolveModelPair(
  specs: { base: string; instruct: string },
  options: ModelPairOptions,
): Promise<{ basePath: string; instructPath: string }> {
  const { log, progressIntervalMs = 5_000, signal, onProgress, ...rest } = options;
  // When one side fails, the other stops too: the worker does not start without both.
  const failed = new AbortController();
  const both = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
  const resolve = (role: "base" | "instruct", spec: string) =>
    resolveModel(spec, {
      ...rest,
      log,
      signal: both,
      progressIntervalMs,
      onProgress: (progress) => {
        if (onProgress) return onProgress(role, progress);
        const { downloadedBytes, totalBytes } = progress;
        const percent = totalBytes > 0 ? Math.floor((100 * downloadedBytes) / totalBytes) : null;
        log.info({ model: spec, percent, downloadedBytes, totalBytes }, "downloading model");
      },
    });
  const base = resolve("base", specs.base);
  const instruct = specs.instruct === specs.base ? base : resolve("instruct", specs.instruct);
  try {
    const [basePath, instructPath] = await Promise.all([base, instruct]);
    return { basePath, instructPath };
  } catch (error) {
    failed.abort(error);
    await Promise.allSettled([base, instruct]);
    throw error;
  }
}
