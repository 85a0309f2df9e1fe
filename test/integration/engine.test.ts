import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/llm/engine.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER, writeTestModels } from "../support/tiny-models.js";

let dir: string;
let engine: Engine;
const sampling = { temperature: 0, maxTokens: 12, seed: 1 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-engine-"));
  const models = await writeTestModels(dir);
  engine = await Engine.load({
    basePath: models.base,
    instructPath: models.instruct,
    sequences: 2,
    contextSize: 512,
    threads: 1,
    systemPrompt: "You are a helpful assistant.",
  });
});

afterAll(async () => {
  await engine?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("Engine (real node-llama-cpp, generated models)", () => {
  it("names the loaded models and the backend", () => {
    expect(engine.info.models.base.name).toBe("tiny-base");
    expect(engine.info.models.instruct.name).toBe("tiny-instruct");
    expect(engine.info.backend).toBe("cpu");
    expect(engine.info.sequences).toBe(2);
  });

  it("base side: raw continuation that runs to the token limit, streamed as it grows", async () => {
    const seen: string[] = [];
    const result = await engine.generate("base", {
      prompt: BASE_PATHS.question.prompt,
      sampling,
      onText: (t) => seen.push(t),
    });
    expect(result.text).toBe(expectedText(BASE_PATHS.question, 12));
    expect(result.stopReason).toBe("tokenLimit");
    expect(result.tokens).toBe(12);
    expect(result.timeToFirstTokenMs).not.toBeNull();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(result.text);
  });

  it("instruct side: answers through the chat template and stops at end of turn", async () => {
    const result = await engine.generate("instruct", { prompt: "What is the capital of France?", sampling });
    expect(result.text).toBe(INSTRUCT_ANSWER);
    expect(result.stopReason).toBe("endOfTurn");
  });

  it("runs both sides of a comparison at once on separate sequences, with the same result as alone", async () => {
    const [base, instruct] = await Promise.all([
      engine.generate("base", { prompt: BASE_PATHS.question.prompt, sampling }),
      engine.generate("instruct", { prompt: BASE_PATHS.question.prompt, sampling }),
    ]);
    expect(base.text).toBe(expectedText(BASE_PATHS.question, 12));
    expect(instruct.text).toBe(INSTRUCT_ANSWER);
  });

  it("stops a side when its signal aborts", async () => {
    const abort = new AbortController();
    const result = await engine.generate("base", {
      prompt: BASE_PATHS.code.prompt,
      sampling: { ...sampling, maxTokens: 500 },
      signal: abort.signal,
      onText: (text) => {
        if (text.length > 200) abort.abort();
      },
    });
    expect(result.stopReason).toBe("aborted");
    expect(result.tokens).toBeLessThan(500);
  });
});

describe("Engine sequences by hardware", () => {
  it("defaults to half the CPU cores, from 2 to 8, on a CPU", async () => {
    const models = await writeTestModels(dir);
    const auto = await Engine.load({
      basePath: models.base,
      instructPath: models.instruct,
      contextSize: 512,
      threads: 1,
      systemPrompt: "x",
    });
    try {
      expect(auto.info.sequences).toBe(Math.min(8, Math.max(2, Math.floor(availableParallelism() / 2))));
    } finally {
      await auto.dispose();
    }
  });
});
