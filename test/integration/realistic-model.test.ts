import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaChatSession, LlamaCompletion, readGgufFileInfo, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parameterCount,
  realisticModelPair,
  REALISTIC_BASE_SPEC,
  REALISTIC_INSTRUCT_SPEC,
  type RealisticModelSpec,
} from "../support/realistic-model.js";

/** The benchmark's writer at a size a test can afford: the same code, small numbers. */
const small = (spec: RealisticModelSpec): RealisticModelSpec => ({
  ...spec,
  embedding: 64,
  layers: 2,
  feedForward: 128,
  heads: 4,
  vocabulary: 1000,
  contextLength: 256,
});

let dir = "";
let llama: Llama | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-realistic-"));
  llama = await getLlama({ gpu: false });
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("realistic-cost models for the benchmark", () => {
  it("are by default a llama of 100-150M parameters with a 32,000-token vocabulary, in Q8_0", () => {
    const parameters = parameterCount(REALISTIC_BASE_SPEC);
    expect(parameters).toBeGreaterThan(100e6);
    expect(parameters).toBeLessThan(150e6);
    expect(REALISTIC_BASE_SPEC.vocabulary).toBeGreaterThanOrEqual(32_000);
    expect(REALISTIC_INSTRUCT_SPEC.type).toBe("q8_0");
  });

  it("load in node-llama-cpp and generate, raw and (the instruct one) through its chat template", async () => {
    const paths = await realisticModelPair(dir, {
      base: small(REALISTIC_BASE_SPEC),
      instruct: small(REALISTIC_INSTRUCT_SPEC),
    });
    const info = await readGgufFileInfo(paths.base);
    expect(info.metadata.general.architecture).toBe("llama");
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(1000);
    if (!llama) throw new Error("no llama");
    const base = await llama.loadModel({ modelPath: paths.base });
    const instruct = await llama.loadModel({ modelPath: paths.instruct });
    expect(base.getWarnings()).toEqual([]);
    const context = await base.createContext({ contextSize: 256, threads: 1 });
    const raw = await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletionWithMeta(
      "The quick brown fox",
      { maxTokens: 8, temperature: 0 },
    );
    expect(raw.metadata.stopReason).toBe("maxTokens");
    expect(raw.response.length).toBeGreaterThan(0);
    const chatContext = await instruct.createContext({ contextSize: 256, threads: 1 });
    const session = new LlamaChatSession({ contextSequence: chatContext.getSequence(), systemPrompt: "Be brief." });
    expect(session.chatWrapper.wrapperName).toBe("ChatML");
    expect(instruct.tokens.eosString).toBe("<|im_end|>");
    await session.prompt("Hello?", { maxTokens: 4, temperature: 0 });
    await context.dispose();
    await chatContext.dispose();
    await base.dispose();
    await instruct.dispose();
  });

  it("are written once, deterministic from their seed, then reused", async () => {
    const specs = { base: small(REALISTIC_BASE_SPEC), instruct: small(REALISTIC_INSTRUCT_SPEC) };
    const first = await realisticModelPair(dir, specs);
    const before = await stat(first.base);
    expect(await realisticModelPair(dir, specs)).toEqual(first);
    expect((await stat(first.base)).mtimeMs).toBe(before.mtimeMs);
    // Another directory, the same seed: the same bytes.
    const again = await realisticModelPair(join(dir, "again"), specs);
    expect((await readFile(again.base)).equals(await readFile(first.base))).toBe(true);
    expect((await readFile(again.instruct)).equals(await readFile(first.base))).toBe(false);
  });
});
