import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatMLChatWrapper,
  getLlama,
  GgufFileType,
  LlamaChatSession,
  LlamaCompletion,
  readGgufFileInfo,
  type ChatHistoryItem,
  type Llama,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE_PATHS,
  CODE_FENCE_OPEN,
  expectedText,
  INSTRUCT_ANSWER,
  INSTRUCT_RAW_ANSWER,
  SAMPLING_PATH,
  TINY_CONTEXT_OPTIONS,
  BASE_MODEL_SPEC,
  buildBigramModel,
  writeBigramModel,
  writeTestModels,
  type TinyPath,
} from "../support/tiny-models.js";

const SYSTEM_PROMPT = "You are a helpful assistant.";
const QUESTION = BASE_PATHS.question.prompt;

let dir = "";
let paths = { base: "", instruct: "" };
let llama: Llama | undefined;
let base: LlamaModel;
let instruct: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tiny-models-"));
  paths = await writeTestModels(dir);
  llama = await getLlama({ gpu: false });
  base = await llama.loadModel({ modelPath: paths.base });
  instruct = await llama.loadModel({ modelPath: paths.instruct });
});

afterAll(async () => {
  await llama?.dispose(); // disposes models and contexts too
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a raw completion on a fresh context. */
async function complete(model: LlamaModel, prompt: string, maxTokens: number, temperature = 0) {
  const context = await model.createContext(TINY_CONTEXT_OPTIONS);
  try {
    const completion = new LlamaCompletion({
      contextSequence: context.getSequence(),
    });
    return await completion.generateCompletionWithMeta(prompt, {
      maxTokens,
      temperature,
      seed: 1,
    });
  } finally {
    await context.dispose();
  }
}

describe("generated GGUF files", () => {
  it("are parsed by node-llama-cpp with the expected metadata", async () => {
    const baseInfo = await readGgufFileInfo(paths.base);
    const instructInfo = await readGgufFileInfo(paths.instruct);
    expect(baseInfo.version).toBe(3);
    expect(baseInfo.metadata.general.architecture).toBe("llama");
    expect(baseInfo.metadata.general.name).toBe("tiny-base");
    expect(baseInfo.metadata.general.alignment).toBe(32);
    expect(baseInfo.metadata.tokenizer.chat_template).toBeUndefined();
    expect(instructInfo.metadata.general.name).toBe("tiny-instruct");
    expect(instructInfo.metadata.tokenizer.chat_template).toContain("<|im_start|>");
    expect(base.getWarnings()).toEqual([]);
    expect(instruct.getWarnings()).toEqual([]);
  });

  it("can store their matrices as F16 or Q8_0, which node-llama-cpp reads to the same text", async () => {
    for (const [weightsType, fileType] of [
      ["f16", "MOSTLY_F16"],
      ["q8_0", "MOSTLY_Q8_0"],
    ] as const) {
      const path = await writeBigramModel(join(dir, `tiny-base-${weightsType}.gguf`), {
        ...BASE_MODEL_SPEC,
        weightsType,
      });
      const info = await readGgufFileInfo(path);
      expect(info.metadata.general.file_type).toBe(GgufFileType[fileType]);
      const model = await llama?.loadModel({ modelPath: path });
      if (!model) throw new Error("no llama");
      try {
        const { response } = await complete(model, BASE_PATHS.code.prompt, 40);
        expect(response).toBe(expectedText(BASE_PATHS.code, 40));
      } finally {
        await model.dispose();
      }
    }
  });

  it("are rewritten idempotently", async () => {
    const before = await stat(paths.base);
    expect(await writeTestModels(dir)).toEqual(paths);
    expect((await stat(paths.base)).mtimeMs).toBe(before.mtimeMs);
  });
});

describe("tiny-base (raw completion)", () => {
  const cases: [string, TinyPath, number][] = [
    ["question → Paris cycle", BASE_PATHS.question, 12],
    ["equals sign → unclosed code block", BASE_PATHS.code, 40],
    ["exclamation → mentions", BASE_PATHS.mention, 12],
    ["anything else → and so on", BASE_PATHS.other, 12],
  ];
  it.each(cases)("%s", async (_name, path, maxTokens) => {
    const { response, metadata } = await complete(base, path.prompt, maxTokens);
    expect(response).toBe(expectedText(path, maxTokens));
    expect(metadata.stopReason).toBe("maxTokens");
  });

  it("continues a question with the capital-of-France cycle", async () => {
    const { response } = await complete(base, QUESTION, 12);
    expect(response).toBe(" Paris is the capital of France Paris is the capital of France");
  });

  it("writes a long code block that never closes", async () => {
    const { response } = await complete(base, BASE_PATHS.code.prompt, 40);
    expect(response.startsWith(CODE_FENCE_OPEN)).toBe(true);
    expect(response.length).toBeGreaterThanOrEqual(1000);
    expect(response.split("```")).toHaveLength(2);
  });

  it("runs to the token limit without an end-of-generation token", async () => {
    const { response, metadata } = await complete(base, BASE_PATHS.code.prompt, 100);
    expect(metadata.stopReason).toBe("maxTokens");
    expect(response).toBe(expectedText(BASE_PATHS.code, 100));
    expect(response.length).toBeGreaterThan(5000);
  });

  it("gives the same text when sampling at temperature 1", async () => {
    const { response } = await complete(base, QUESTION, 12, 1);
    expect(response).toBe(expectedText(BASE_PATHS.question, 12));
  });

  it("emits mention-like text", async () => {
    const { response } = await complete(base, BASE_PATHS.mention.prompt, 12);
    for (const m of ["@everyone", "@here", "<@&123456789012345678>", "<@111111111111111111>"]) {
      expect(response).toContain(m);
    }
  });
});

describe("tiny-instruct", () => {
  it("answers through its ChatML template and stops on the end-of-turn token", async () => {
    const context = await instruct.createContext(TINY_CONTEXT_OPTIONS);
    try {
      const session = new LlamaChatSession({
        contextSequence: context.getSequence(),
        systemPrompt: SYSTEM_PROMPT,
      });
      expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
      const res = await session.promptWithMeta(QUESTION, {
        temperature: 0,
        maxTokens: 50,
      });
      expect(res.responseText).toBe(INSTRUCT_ANSWER);
      expect(res.stopReason).toBe("eogToken");

      // Rebuild the prompt the session sent: history up to an empty model turn.
      const history: ChatHistoryItem[] = [...session.getChatHistory().slice(0, -1), { type: "model", response: [] }];
      const { contextText } = session.chatWrapper.generateContextState({
        chatHistory: history,
      });
      const prompt = instruct.detokenize(contextText.tokenize(instruct.tokenizer), true);
      expect(prompt).toBe(
        `<s><|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n` +
          `<|im_start|>user\n${QUESTION}<|im_end|>\n<|im_start|>assistant\n`,
      );
    } finally {
      await context.dispose();
    }
  });

  it("answers a raw (untemplated) question with a short reply and stops", async () => {
    const { response, metadata } = await complete(instruct, QUESTION, 50);
    expect(response).toBe(INSTRUCT_RAW_ANSWER);
    expect(metadata.stopReason).toBe("eogToken");
  });
});

/** A word's token (prompts never tokenize to words: the vocabulary has none of their pieces). */
function wordToken(model: LlamaModel, word: string): Token {
  for (const token of model.iterateAllTokens()) if (model.detokenize([token]) === word) return token;
  throw new Error(`no token ${JSON.stringify(word)}`);
}

/**
 * The model's whole next-token distribution after `text` (raw, with the beginning-of-text token) and then `words`,
 * nothing cut off.
 */
async function distribution(model: LlamaModel, text: string, words: string[] = []): Promise<Map<string, number>> {
  const context = await model.createContext(TINY_CONTEXT_OPTIONS);
  try {
    const tokens: Token[] = [
      ...(model.tokens.bos === null ? [] : [model.tokens.bos]),
      ...model.tokenize(text),
      ...words.map((word) => wordToken(model, word)),
    ];
    const last = tokens.length - 1;
    const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
    const output = await context
      .getSequence()
      .controlledEvaluate(
        tokens.map((t, i) => (i === last ? [t, { generateNext: { probabilities: true, options } }] : t)),
      );
    const probabilities = output[last]?.next?.probabilities ?? new Map<Token, number>();
    return new Map([...probabilities].map(([token, p]) => [model.detokenize([token], true), p]));
  } finally {
    await context.dispose();
  }
}

describe("the drawn path (several likely next tokens)", () => {
  it("gives each next token its probability at temperature 1, in both models, after the prompt and after each word", async () => {
    for (const model of [base, instruct]) {
      for (const words of [[], [" green"], [" red", " hue17"]]) {
        const seen = await distribution(model, SAMPLING_PATH.prompt, words);
        for (const [word, p] of Object.entries(SAMPLING_PATH.next)) expect(seen.get(word)).toBeCloseTo(p, 5);
        // Every other token of the vocabulary together: next to nothing.
        const rest = [...seen].filter(([word]) => !(word in SAMPLING_PATH.next)).reduce((sum, [, p]) => sum + p, 0);
        expect(rest).toBeLessThan(1e-6);
      }
    }
  });

  it("leaves every fixed path as it was: one next token at ~100%", async () => {
    const seen = await distribution(base, QUESTION);
    expect(seen.get(" Paris")).toBeGreaterThan(0.999999);
  });

  it("refuses probabilities that do not add up to 1", () => {
    expect(() =>
      buildBigramModel({ ...BASE_MODEL_SPEC, distributions: { "~": { " red": 0.5, " green": 0.3 } } }),
    ).toThrow(/summing to 1/);
  });
});
