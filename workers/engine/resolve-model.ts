import { resolveModelFile } from "node-llama-cpp";

/** Download progress of one model file. */
export interface DownloadProgress {
  spec: string;
  downloadedBytes: number;
  totalBytes: number;
}

export interface ResolveModelOptions {
  /** Where downloaded models live (`MODELS_DIR`). */
  directory: string;
  /** Called as bytes arrive; at most every `progressIntervalMs`, and once when complete. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Defaults to 1000 ms. */
  progressIntervalMs?: number;
  /** Base URL for `hf:` URIs. Defaults to node-llama-cpp's (Hugging Face, or `HF_ENDPOINT`). */
  huggingFaceEndpoint?: string;
  signal?: AbortSignal;
}

/**
 * Resolves `BASE_MODEL`/`INSTRUCT_MODEL` to a local GGUF path: a path is checked as it is, an `hf:` URI
 * or URL is downloaded into `directory` unless already there. `HF_TOKEN` is honoured by node-llama-cpp.
 */
export async function resolveModel(spec: string, options: ResolveModelOptions): Promise<string> {
  const interval = options.progressIntervalMs ?? 1_000;
  let lastReport = 0;
  return resolveModelFile(spec, {
    directory: options.directory,
    cli: false,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.huggingFaceEndpoint ? { endpoints: { huggingFace: options.huggingFaceEndpoint } } : {}),
    onProgress: ({ totalSize, downloadedSize }) => {
      const now = Date.now();
      const done = totalSize > 0 && downloadedSize >= totalSize;
      if (!done && now - lastReport < interval) return;
      lastReport = now;
      options.onProgress?.({ spec, downloadedBytes: downloadedSize, totalBytes: totalSize });
    },
  });
}
