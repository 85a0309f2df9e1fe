import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  type Llama,
  type LlamaContextSequence,
  type LlamaModel,
} from "node-llama-cpp";
import { Engine } from "../../workers/engine/engine.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER, writeTestModels } from "../support/tiny-models.js";

let dir: string;
let engine: Engine;
let paths: { base: string; instruct: string };
const sampling = { temperature: 0, maxTokens: 12, seed: 1 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-engine-"));
  const models = await writeTestModels(dir);
  paths = models;
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

  describe("the exact input it reports is the one node-llama-cpp evaluates", () => {
    let llama: Llama;
    const load = (modelPath: string) => llama.loadModel({ modelPath });
    /** The tokens a fresh sequence of `model` holds after `run` generated on it. */
    async function evaluated(model: LlamaModel, run: (sequence: LlamaContextSequence) => Promise<unknown>) {
      const context = await model.createContext({ contextSize: 512, threads: 1 });
      const sequence = context.getSequence();
      await run(sequence);
      const tokens = [...sequence.contextTokens];
      await context.dispose();
      return tokens;
    }

    beforeAll(async () => {
      llama = await getLlama({ gpu: false });
    });
    afterAll(() => llama?.dispose());

    it("through the chat template, with the system prompt and earlier turns", async () => {
      const model = await load(paths.instruct);
      const history = [{ prompt: "Hello?", answer: INSTRUCT_ANSWER }];
      const run = { prompt: "And again?", sampling, history };
      const reported = engine.prepare("instruct", run);
      const tokens = await evaluated(model, async (sequence) => {
        const session = new LlamaChatSession({
          contextSequence: sequence,
          systemPrompt: "You are a helpful assistant.",
        });
        session.setChatHistory([
          { type: "system", text: "You are a helpful assistant." },
          { type: "user", text: "Hello?" },
          { type: "model", response: [INSTRUCT_ANSWER] },
        ]);
        await session.prompt("And again?", { maxTokens: 4, temperature: 0 });
      });
      expect(tokens.slice(0, reported.tokens.length)).toEqual(reported.tokens);
      expect(reported.seen.tokens).toBe(reported.tokens.length);
      expect(reported.seen.text).toContain("<|im_start|>user\nHello?<|im_end|>");
      await model.dispose();
    });

    it("raw, with the beginning-of-text token the model asks for", async () => {
      const model = await load(paths.base);
      const reported = engine.prepare("base", { prompt: BASE_PATHS.question.prompt, sampling });
      const tokens = await evaluated(model, (sequence) =>
        new LlamaCompletion({ contextSequence: sequence }).generateCompletion(BASE_PATHS.question.prompt, {
          maxTokens: 4,
          temperature: 0,
        }),
      );
      expect(tokens.slice(0, reported.tokens.length)).toEqual(reported.tokens);
      expect(reported.seen.text).toBe(`<s>${BASE_PATHS.question.prompt}`);
      await model.dispose();
    });
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
    paths = models;
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
