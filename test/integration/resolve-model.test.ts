import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASE_MODEL } from "../../src/shared/config.js";
import { resolveModel, type DownloadProgress } from "../../workers/engine/resolve-model.js";
import { resolveModelPair } from "../../workers/engine/resolve-model-pair.js";
import { captureLog } from "../support/capture-log.js";
import { ModelHost } from "../support/model-host.js";
import { buildBigramModel, BASE_MODEL_SPEC, INSTRUCT_MODEL_SPEC } from "../support/tiny-models.js";

const TOKEN = "hf_test_token";
const BASE = Buffer.from(buildBigramModel(BASE_MODEL_SPEC));
const INSTRUCT = Buffer.from(buildBigramModel(INSTRUCT_MODEL_SPEC));
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
/** The base model with one byte flipped in the middle: same size, other bytes. */
const CORRUPTED = Buffer.from(BASE);
CORRUPTED[CORRUPTED.length >> 1] = (CORRUPTED[CORRUPTED.length >> 1] ?? 0) ^ 0xff;

let host: ModelHost;
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bvi-models-"));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  host = await ModelHost.start(
    [
      { path: "tiny-org/tiny-base-GGUF/tiny-base.gguf", body: BASE },
      { path: "tiny-org/tiny-instruct-GGUF/tiny-instruct.gguf", body: INSTRUCT },
      { path: "tiny-org/broken-GGUF/tiny-base.gguf", body: BASE, served: CORRUPTED },
      { path: "tiny-org/plain-GGUF/tiny-base.gguf", body: BASE, published: "none" },
      // Another file under the default base model's name, which the host vouches for.
      { path: "ggml-org/gemma-3-270m-GGUF/gemma-3-270m-Q8_0.gguf", body: BASE },
    ],
    { token: TOKEN },
  );
});

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await host.close();
});

describe("resolveModel", () => {
  it("downloads an hf: URI with progress and HF_TOKEN, verifies the published SHA-256, and reuses the file", async () => {
    const dir = await freshDir();
    const { log, records } = captureLog();
    const progress: DownloadProgress[] = [];
    const path = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      token: TOKEN,
      log,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(path.startsWith(dir)).toBe(true);
    expect((await readFile(path)).equals(BASE)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ downloadedBytes: BASE.length, totalBytes: BASE.length });
    expect(host.requests.some((r) => r.server === "hub" && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(records()).toContainEqual(
      expect.objectContaining({ msg: "model file verified", sha256: sha256(BASE), against: ["published"] }),
    );
    // Recorded the way sha256sum -c reads it.
    expect(await readFile(`${path}.sha256`, "utf8")).toBe(`${sha256(BASE)}  ${path.split("/").pop()}\n`);

    const before = host.requests.length;
    const again = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      token: TOKEN,
    });
    expect(again).toBe(path);
    expect(host.requests.slice(before)).toEqual([]);
  });

  it("rejects and deletes a download whose bytes do not match the published SHA-256", async () => {
    const dir = await freshDir();
    const { log, records } = captureLog();
    await expect(
      resolveModel("hf:tiny-org/broken-GGUF/tiny-base.gguf", {
        directory: dir,
        huggingFaceEndpoint: host.endpoint,
        token: TOKEN,
        log,
      }),
    ).rejects.toThrow(
      new RegExp(`failed its checksum: SHA-256 ${sha256(CORRUPTED)}, but the published one is ${sha256(BASE)}`),
    );
    // Neither the bad file, nor a partial one, nor a record is left to be loaded or trusted.
    expect(await readdir(dir)).toEqual([]);
    expect(records().some((r) => r.level === 50 && String(r.msg).includes("failed its checksum"))).toBe(true);
  });

  it("uses a file the host publishes no SHA-256 for, warning with the hash it recorded", async () => {
    const dir = await freshDir();
    const { log, records } = captureLog();
    const path = await resolveModel("hf:tiny-org/plain-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      token: TOKEN,
      log,
    });
    expect((await readFile(path)).equals(BASE)).toBe(true);
    expect(records()).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: "the host publishes no SHA-256 for this model file; using it and recording its hash",
        sha256: sha256(BASE),
      }),
    );
    const before = host.requests.length;
    expect(await resolveModel("hf:tiny-org/plain-GGUF/tiny-base.gguf", { directory: dir })).toBe(path);
    expect(host.requests.slice(before)).toEqual([]);
  });

  it("refuses another file under the default model's name even when the host vouches for it (pinned SHA-256)", async () => {
    const dir = await freshDir();
    const file = "ggml-org/gemma-3-270m-GGUF/gemma-3-270m-Q8_0.gguf";
    const before = host.cdnGets(file);
    await expect(
      resolveModel(DEFAULT_BASE_MODEL, { directory: dir, huggingFaceEndpoint: host.endpoint, token: TOKEN }),
    ).rejects.toThrow(
      `${DEFAULT_BASE_MODEL}: the host now publishes SHA-256 ${sha256(BASE)}, not the pinned e00cf79514204dfe2f4d6943f277ffea7fd8a4c8e955b4b7a869cfc157694881, so it is not downloaded`,
    );
    // Asked, not downloaded: a restarting worker does not fetch the same refused file again and again.
    expect(host.cdnGets(file)).toBe(before);
    expect(await readdir(dir)).toEqual([]);
  });

  it("accepts a file that matches both its pinned and its published SHA-256", async () => {
    const dir = await freshDir();
    const { log, records } = captureLog();
    const spec = "hf:tiny-org/tiny-base-GGUF/tiny-base.gguf";
    await resolveModel(spec, {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      token: TOKEN,
      log,
      pinned: { [spec]: { sha256: sha256(BASE), sizeBytes: BASE.length } },
    });
    expect(records()).toContainEqual(
      expect.objectContaining({ msg: "model file verified", against: ["pinned", "published"] }),
    );
  });

  it("returns a local path as it is and fails clearly for a missing one", async () => {
    const dir = await freshDir();
    const path = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      token: TOKEN,
    });
    expect(await resolveModel(path, { directory: dir })).toBe(path);
    expect((await stat(path)).size).toBe(BASE.length);
    await expect(resolveModel(join(dir, "missing.gguf"), { directory: dir })).rejects.toThrow(/No model file found/);
  });

  it("fails with the server's answer for a file that does not exist", async () => {
    const dir = await freshDir();
    await expect(
      resolveModel("hf:tiny-org/tiny-base-GGUF/nope.gguf", {
        directory: dir,
        huggingFaceEndpoint: host.endpoint,
        token: TOKEN,
      }),
    ).rejects.toThrow(/404/);
  });
});

describe("resolveModelPair", () => {
  it("downloads both models at once, logging each one's progress in percent and bytes, throttled", async () => {
    const dir = await freshDir();
    const { log, records } = captureLog();
    const base = "tiny-org/tiny-base-GGUF/tiny-base.gguf";
    const instruct = "tiny-org/tiny-instruct-GGUF/tiny-instruct.gguf";
    // Every transfer stalls after its first chunk: only a parallel download has both in flight.
    const release = host.hold();
    const pair = resolveModelPair(
      { base: `hf:${base}`, instruct: `hf:${instruct}` },
      { directory: dir, huggingFaceEndpoint: host.endpoint, token: TOKEN, log },
    );
    try {
      await host.waitFor(() => host.sending(base) > 0 && host.sending(instruct) > 0, "both models in flight");
    } finally {
      release();
    }
    const { basePath, instructPath } = await pair;
    expect((await readFile(basePath)).equals(BASE)).toBe(true);
    expect((await readFile(instructPath)).equals(INSTRUCT)).toBe(true);

    for (const [spec, size] of [
      [`hf:${base}`, BASE.length],
      [`hf:${instruct}`, INSTRUCT.length],
    ] as const) {
      const lines = records().filter((r) => r.msg === "downloading model" && r.model === spec);
      // 15 chunks arrived, but within the 5 s interval only the first report and the last one are logged.
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines.at(-1)).toMatchObject({ percent: 100, downloadedBytes: size, totalBytes: size });
    }
  });
});
