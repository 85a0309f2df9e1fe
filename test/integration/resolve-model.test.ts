import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveModel, type DownloadProgress } from "../../workers/engine/resolve-model.js";
import { buildBigramModel, BASE_MODEL_SPEC } from "../support/tiny-models.js";

/** A local stand-in for the Hugging Face file endpoint, serving one generated GGUF to holders of a token. */
let server: Server;
let endpoint: string;
let dir: string;
const model = Buffer.from(buildBigramModel(BASE_MODEL_SPEC));
const requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-models-"));
  server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (!req.url?.startsWith("/tiny-org/tiny-base-GGUF/resolve/main/tiny-base.gguf")) {
      res.writeHead(404).end("not found");
      return;
    }
    // Like a gated repository: the file needs the account's token.
    if (req.headers.authorization !== "Bearer hf_test_token") {
      res.writeHead(401).end("unauthorized");
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(model.length),
      "accept-ranges": "none",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // Send in chunks so a download takes more than one progress event.
    const chunk = 64 * 1024;
    let offset = 0;
    const pump = () => {
      if (offset >= model.length) return res.end();
      res.write(model.subarray(offset, offset + chunk));
      offset += chunk;
      setImmediate(pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  endpoint = `http://127.0.0.1:${address.port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
  delete process.env.HF_TOKEN;
});

describe("resolveModel", () => {
  it("downloads an hf: URI into MODELS_DIR with progress, sending HF_TOKEN, and reuses it after", async () => {
    process.env.HF_TOKEN = "hf_test_token";
    const progress: DownloadProgress[] = [];
    const path = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: endpoint,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(path.startsWith(dir)).toBe(true);
    expect((await readFile(path)).equals(model)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ downloadedBytes: model.length, totalBytes: model.length });
    expect(requests.some((r) => r.headers.authorization === "Bearer hf_test_token")).toBe(true);

    const before = requests.length;
    const again = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: endpoint,
    });
    expect(again).toBe(path);
    expect(requests.slice(before).filter((r) => r.method === "GET")).toHaveLength(0);
  });

  it("returns a local path as it is and fails clearly for a missing one", async () => {
    const path = await resolveModel("hf:tiny-org/tiny-base-GGUF/tiny-base.gguf", {
      directory: dir,
      huggingFaceEndpoint: endpoint,
    });
    expect(await resolveModel(path, { directory: dir })).toBe(path);
    expect((await stat(path)).size).toBe(model.length);
    await expect(resolveModel(join(dir, "missing.gguf"), { directory: dir })).rejects.toThrow();
  });

  it("fails with the server's answer for a file that does not exist", async () => {
    await expect(
      resolveModel("hf:tiny-org/tiny-base-GGUF/nope.gguf", { directory: dir, huggingFaceEndpoint: endpoint }),
    ).rejects.toThrow();
  });
});
