import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Logger } from "../../src/shared/log.js";
import type { PinnedChecksum } from "./pinned-checksums.js";
import { fetchPublishedSha256, type PublishedChecksum } from "./published-checksum.js";

/** Thrown when a downloaded model file does not match its checksum; the file is gone by then. */
export class ModelChecksumError extends Error {
  override name = "ModelChecksumError";
  constructor(message: string) {
    super(message);
    // The message says all there is to say; a stack trace would only bury it in the worker's output.
    this.stack = `${this.name}: ${message}`;
  }
}

/** One downloaded file and where its checksum comes from. */
export interface ModelFileCheck {
  /** The spec the file was downloaded for, as configured (for the log). */
  spec: string;
  path: string;
  /** The URL that publishes its SHA-256 (see {@link fetchPublishedSha256}), or null if none is known. */
  url: string | null;
  /** Whether the URL is on the Hugging Face endpoint (whose plain ETag is the SHA-256). */
  huggingFace: boolean;
  pinned: PinnedChecksum | undefined;
}

export interface VerifyOptions {
  /** What the host publishes, if already asked; else it is asked here. */
  published?: PublishedChecksum | undefined;
  token?: string | undefined;
  log: Logger;
  signal?: AbortSignal | undefined;
}

/**
 * Verifies a model file against the SHA-256 its host publishes and, where one is pinned in code, against that
 * too; a file that matches neither source it has is deleted and a {@link ModelChecksumError} thrown. A verified
 * file gets a `<file>.sha256` record (`sha256sum -c` reads it), so later starts trust it without hashing it again.
 *
 * Where no checksum is to be had, the decision is to use the file and record its hash (trust on first use), with
 * a warning that names the hash, unless the host could not be asked at all: then nothing is recorded and the next
 * start asks again.
 */
export async function verifyModelFile(file: ModelFileCheck, options: VerifyOptions): Promise<void> {
  const { log } = options;
  const recorded = await readRecord(file.path);
  if (recorded !== null && (file.pinned === undefined || recorded === file.pinned.sha256)) return;

  const published = options.published ?? (await askHost(file, options));
  const context = { model: file.spec, file: file.path };
  if (published.kind === "unreachable" && file.pinned === undefined) {
    log.warn(
      { ...context, reason: published.reason },
      "could not get the model file's published SHA-256; using it unverified this time",
    );
    return;
  }

  const { size } = await stat(file.path);
  if (file.pinned !== undefined && size !== file.pinned.sizeBytes) {
    await reject(file, `${size} bytes where ${file.pinned.sizeBytes} are pinned`, log);
  }
  const actual = await sha256File(file.path);
  const expected = [
    ...(file.pinned ? [{ source: "pinned", sha256: file.pinned.sha256 }] : []),
    ...(published.kind === "sha256" ? [{ source: "published", sha256: published.sha256 }] : []),
  ];
  for (const { source, sha256 } of expected) {
    if (sha256 === actual) continue;
    const hint =
      source === "pinned" && published.kind === "sha256" && published.sha256 === actual
        ? " (the host now serves a different file under this name than the one this version pins)"
        : "";
    await reject(file, `SHA-256 ${actual}, but the ${source} one is ${sha256}${hint}`, log);
  }
  await writeRecord(file.path, actual);
  if (expected.length > 0) {
    log.info({ ...context, sha256: actual, against: expected.map((e) => e.source) }, "model file verified");
  } else {
    log.warn(
      { ...context, sha256: actual, reason: published.kind === "none" ? published.reason : undefined },
      "the host publishes no SHA-256 for this model file; using it and recording its hash",
    );
  }
}

/** What the host publishes as the file's SHA-256. */
export async function askHost(
  file: Pick<ModelFileCheck, "url" | "huggingFace">,
  options: Pick<VerifyOptions, "token" | "signal">,
): Promise<PublishedChecksum> {
  if (file.url === null) return { kind: "none", reason: "this form of model URI names no file URL to ask" };
  return fetchPublishedSha256(file.url, {
    token: file.huggingFace ? options.token : undefined,
    trustEtag: file.huggingFace,
    signal: options.signal,
  });
}

/** The SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function reject(file: ModelFileCheck, what: string, log: Logger): Promise<never> {
  await rm(file.path, { force: true });
  await rm(recordPath(file.path), { force: true });
  const message = `model file ${basename(file.path)} (${file.spec}) failed its checksum: ${what}; it was deleted, and the next start downloads it again`;
  log.error({ model: file.spec, file: file.path }, message);
  throw new ModelChecksumError(message);
}

function recordPath(path: string): string {
  return `${path}.sha256`;
}

/** The recorded SHA-256, if the record is at least as new as the file (a replaced file is hashed again). */
async function readRecord(path: string): Promise<string | null> {
  try {
    const [file, record] = await Promise.all([stat(path), stat(recordPath(path))]);
    if (record.mtimeMs < file.mtimeMs) return null;
    const hex = (await readFile(recordPath(path), "utf8")).split(/\s+/, 1)[0] ?? "";
    return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
  } catch {
    return null;
  }
}

async function writeRecord(path: string, sha256: string): Promise<void> {
  await writeFile(recordPath(path), `${sha256}  ${basename(path)}\n`);
}
