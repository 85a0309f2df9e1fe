import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveModel } from "../../workers/engine/resolve-model.js";
import { captureLog } from "../support/capture-log.js";
import { ModelHost } from "../support/model-host.js";
import { buildBigramModel, BASE_MODEL_SPEC } from "../support/tiny-models.js";

const FILE = "tiny-org/tiny-base-GGUF/tiny-base.gguf";
const SPEC = `hf:${FILE}`;
const MODEL = Buffer.from(buildBigramModel(BASE_MODEL_SPEC));
const WAITING = "another process is downloading this model; waiting for it";
const CHILD = fileURLToPath(new URL("../support/resolve-in-child.ts", import.meta.url));

let host: ModelHost;
/** Requests for the file's bytes that one download makes (node-llama-cpp asks once for the size first). */
let perDownload: number;
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bvi-shared-models-"));
  dirs.push(dir);
  return dir;
}

/** Resolves the model in another process (another worker on the same volume), logging JSON lines. */
function resolveInChild(directory: string, lockStaleMs?: number) {
  const args = JSON.stringify({ spec: SPEC, directory, endpoint: host.endpoint, lockStaleMs });
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    host.notify();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  const logged = (msg: string) => lines.some((line) => line.includes(`"msg":"${msg}"`));
  return { child, lines, exited, logged };
}

beforeAll(async () => {
  host = await ModelHost.start([{ path: FILE, body: MODEL }]);
  const before = host.cdnGets(FILE);
  await resolveModel(SPEC, { directory: await freshDir(), huggingFaceEndpoint: host.endpoint });
  perDownload = host.cdnGets(FILE) - before;
});

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await host.close();
});

describe("workers sharing one MODELS_DIR", () => {
  it("download a model once: the second worker waits for the first and then uses its file", async () => {
    expect(perDownload).toBeGreaterThanOrEqual(1);
    const dir = await freshDir();
    const before = host.cdnGets(FILE);
    const release = host.hold();
    const first = resolveModel(SPEC, { directory: dir, huggingFaceEndpoint: host.endpoint });
    const second = await (async () => {
      try {
        // The first worker is mid-download, its transfer held by the host.
        await host.waitFor(() => host.cdnGets(FILE) - before === perDownload, "the first download to start");
        const child = resolveInChild(dir);
        await host.waitFor(
          () => child.logged(WAITING) || host.cdnGets(FILE) - before > perDownload,
          "the second worker to wait or to download",
        );
        return child;
      } finally {
        release();
      }
    })();
    expect(second.logged(WAITING)).toBe(true);
    const path = await first;
    expect(await second.exited).toBe(0);
    const resolved = second.lines
      .map((line) => JSON.parse(line) as { msg?: string; path?: string })
      .find((r) => r.msg === "resolved");
    expect(resolved?.path).toBe(path);
    expect((await readFile(path)).equals(MODEL)).toBe(true);
    // Exactly one download between them.
    expect(host.cdnGets(FILE) - before).toBe(perDownload);
  });

  it("a worker killed mid-download does not block the others: its lock is taken over once stale", async () => {
    const dir = await freshDir();
    const before = host.cdnGets(FILE);
    const release = host.hold();
    const killed = resolveInChild(dir, 2_000);
    try {
      await host.waitFor(() => host.cdnGets(FILE) - before === perDownload, "the killed worker's download to start");
      killed.child.kill("SIGKILL");
      expect(await killed.exited).toBe("SIGKILL");
    } finally {
      release();
    }
    // It left its lock behind, as a crash or an OOM kill does.
    expect((await readdir(dir)).some((name) => name.startsWith(".download-") && name.endsWith(".lock"))).toBe(true);

    const { log } = captureLog();
    const path = await resolveModel(SPEC, {
      directory: dir,
      huggingFaceEndpoint: host.endpoint,
      lockStaleMs: 2_000,
      log,
    });
    expect((await readFile(path)).equals(MODEL)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.endsWith(".lock"))).toEqual([]);
  });
});
