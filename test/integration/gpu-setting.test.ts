import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/shared/config.js";
import { enqueue } from "../../src/shared/jobs.js";
import { GpuUnavailableError, requireGpu } from "../../workers/engine/gpu.js";
import { captureLog } from "../support/capture-log.js";
import { spawnBotProcess } from "../support/processes.js";
import { openTestQueue, testJob } from "../support/queue.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { writeTestModels } from "../support/tiny-models.js";

// What the worker says depends on the machine: these run where there is no NVIDIA driver (CI, this project's).
const hasNvidiaDriver = existsSync("/proc/driver/nvidia/version");

let dir: string;
let models: { base: string; instruct: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-gpu-"));
  models = await writeTestModels(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("LLAMA_GPU", () => {
  it.skipIf(hasNvidiaDriver)(
    "cuda on a machine without CUDA: the worker refuses to start, takes no job, and says why in one line",
    async () => {
      const prefix = uniquePrefix("gpu");
      const queue = await openTestQueue(prefix);
      try {
        await enqueue(queue.queue, testJob({ kind: "complete", prompt: "Hello", channelId: "200000000000000001" }));
        const worker = spawnBotProcess("worker", {
          ...process.env,
          DISCORD_TOKEN: "test-token-that-is-long-enough",
          DISCORD_API_URL: "http://127.0.0.1:9/api",
          REDIS_URL: TEST_REDIS_URL,
          QUEUE_PREFIX: prefix,
          BASE_MODEL: models.base,
          INSTRUCT_MODEL: models.instruct,
          MODELS_DIR: dir,
          LLAMA_GPU: "cuda",
          LOG_LEVEL: "debug",
        });
        // Exits on its own, non-zero, quickly: no hang, no build of llama.cpp from source.
        expect(await worker.exited).toBe(1);

        const fatal = worker.lines.filter((line) => line.includes('"level":60'));
        expect(fatal).toHaveLength(1);
        const record = JSON.parse(fatal[0] ?? "{}") as { msg: string; cause: string; fix: string };
        expect(record.msg).toMatch(/^LLAMA_GPU=cuda, but CUDA cannot be used here, so the worker does not start/);
        expect(record.cause).toMatch(/^no NVIDIA driver is visible to this process/);
        expect(record.fix).toMatch(/install the NVIDIA driver \(580 or newer\)/);
        expect(record.fix).toMatch(/LLAMA_GPU=off/);
        expect(record.msg).toContain(`${record.cause}. Fix: ${record.fix}.`);
        expect(worker.lines.join("\n")).not.toMatch(/cmake|cloning|compil|building llama/i);
        // It never loaded the models nor consumed the queue: the job still waits for a worker that can run it.
        expect(worker.lines.join("\n")).not.toContain("models loaded");
        expect(await queue.queue.getWaitingCount()).toBe(1);
      } finally {
        await queue.close();
        await deletePrefix(prefix);
      }
    },
  );

  it.skipIf(process.platform === "darwin")("metal off macOS refuses instead of running on the CPU", async () => {
    const { log, records } = captureLog();
    const refused = requireGpu("metal", log);
    await expect(refused).rejects.toThrow(GpuUnavailableError);
    await expect(refused).rejects.toThrow(
      /LLAMA_GPU=metal, but Metal cannot be used here.*: Metal exists only on macOS/,
    );
    expect(records()).toContainEqual(expect.objectContaining({ level: 60, gpu: "metal" }));
  });

  it("an unknown value stops the process with a message naming the variable and its values", () => {
    expect(() => loadConfig({ LLAMA_GPU: "gpu" })).toThrow(ConfigError);
    expect(() => loadConfig({ LLAMA_GPU: "gpu" })).toThrow(
      'LLAMA_GPU: expected one of auto, cuda, vulkan, metal, off (got "gpu")',
    );
    expect(loadConfig({}).worker.gpu).toBe("auto");
    expect(loadConfig({ LLAMA_GPU: "off" }).worker.gpu).toBe("off");
  });
});
