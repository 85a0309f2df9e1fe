import { stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { createLogger, type Logger } from "../../src/shared/log.js";
import { withDownloadLock } from "./download-lock.js";
import { remoteSource } from "./model-source.js";
import { PINNED_CHECKSUMS, type PinnedChecksum } from "./pinned-checksums.js";
import { askHost, ModelChecksumError, verifyModelFile } from "./verify-model-file.js";

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
  /** Base URL for `hf:` URIs (`HF_ENDPOINT`). Defaults to Hugging Face. */
  huggingFaceEndpoint?: string | undefined;
  /** Hugging Face token (`HF_TOKEN`). Defaults to node-llama-cpp's own lookup (its token file). */
  token?: string | undefined;
  /** SHA-256 values pinned in code, by spec. Defaults to the default pair's ({@link PINNED_CHECKSUMS}). */
  pinned?: Readonly<Record<string, PinnedChecksum>>;
  /** Downloads, checksum results and waits for another process's download. Defaults to no log. */
  log?: Logger;
  /** How long a download lock may go unrefreshed before it counts as left by a dead process. Defaults to 30 s. */
  lockStaleMs?: number;
  signal?: AbortSignal;
}

const SPLIT_PART = /-00001-of-(\d{5})\.gguf/;

/**
 * Resolves `BASE_MODEL`/`INSTRUCT_MODEL` to a local GGUF path: a path is checked as it is; an `hf:` URI or URL is
 * downloaded into `directory` unless already there, then verified against the SHA-256 the host publishes and any
 * pinned one (see {@link verifyModelFile}). Processes sharing `directory` (workers on one volume) take a lock per
 * model, so one downloads and the others wait and then use its file.
 */
export async function resolveModel(spec: string, options: ResolveModelOptions): Promise<string> {
  const log = options.log ?? createLogger("resolve-model", "silent");
  const source = remoteSource(spec, options.huggingFaceEndpoint);
  const common = {
    directory: options.directory,
    cli: false,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.huggingFaceEndpoint ? { endpoints: { huggingFace: options.huggingFaceEndpoint } } : {}),
    ...(options.token ? { tokens: { huggingFace: options.token } } : {}),
  };
  if (source === null) {
    // A local path: relative to the current folder where the file is there, else a file in `directory`.
    const here = resolvePath(spec);
    if (
      await stat(here).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return here;
    return resolveModelFile(spec, common);
  }

  const interval = options.progressIntervalMs ?? 1_000;
  let lastReport = 0;
  let reportedDone = false;
  const lockOptions = {
    signal: options.signal,
    ...(options.lockStaleMs ? { staleMs: options.lockStaleMs } : {}),
    onWait: () => log.info({ model: spec }, "another process is downloading this model; waiting for it"),
    onCompromised: (err: Error) =>
      log.warn({ model: spec, err }, "lost the model's download lock; another process may download it too"),
  };
  return withDownloadLock(options.directory, spec, lockOptions, async () => {
    const pinned = (options.pinned ?? PINNED_CHECKSUMS)[spec];
    const verify = { token: options.token, log, signal: options.signal };
    // A pinned file that is not here yet: ask the host first, and download nothing it would refuse (else a
    // restarting worker would download a changed file again and again).
    const present = await resolveModelFile(spec, { ...common, download: false }).then(
      () => true,
      () => false,
    );
    const published = !present && pinned !== undefined ? await askHost(source, verify) : undefined;
    if (published?.kind === "sha256" && pinned !== undefined && published.sha256 !== pinned.sha256) {
      const message =
        `${spec}: the host now publishes SHA-256 ${published.sha256}, not the pinned ${pinned.sha256}, so it is ` +
        "not downloaded; name a revision (hf:<owner>/<repo>/<file>#<commit>) or another model";
      log.error({ model: spec, published: published.sha256, pinned: pinned.sha256 }, message);
      throw new ModelChecksumError(message);
    }
    const path = await resolveModelFile(spec, {
      ...common,
      onProgress: ({ totalSize, downloadedSize }) => {
        const now = Date.now();
        const done = totalSize > 0 && downloadedSize >= totalSize;
        // ipull reports a finished file more than once: the end is told once.
        if (done ? reportedDone : now - lastReport < interval) return;
        reportedDone = done;
        lastReport = now;
        options.onProgress?.({ spec, downloadedBytes: downloadedSize, totalBytes: totalSize });
      },
    });
    const parts = splitParts(path, source.url);
    for (const part of parts) {
      await verifyModelFile(
        { spec, ...part, huggingFace: source.huggingFace, pinned: parts.length === 1 ? pinned : undefined },
        { ...verify, published: parts.length === 1 ? published : undefined },
      );
    }
    return path;
  });
}

/** A GGUF split into `-0000k-of-0000n` files is downloaded as n files; each has its own checksum. */
function splitParts(path: string, url: string | null): { path: string; url: string | null }[] {
  const match = SPLIT_PART.exec(path);
  if (match?.[1] === undefined) return [{ path, url }];
  const total = Number(match[1]);
  return Array.from({ length: total }, (_, i) => {
    const part = `-${String(i + 1).padStart(5, "0")}-of-${match[1]}.gguf`;
    return { path: path.replace(SPLIT_PART, part), url: url?.replace(SPLIT_PART, part) ?? null };
  });
}
