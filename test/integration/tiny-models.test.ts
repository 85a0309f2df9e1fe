import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatMLChatWrapper,
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  readGgufFileInfo,
  type ChatHistoryItem,
  type Llama,
  type LlamaModel,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE_PATHS,
  CODE_FENCE_OPEN,
  expectedText,
  INSTRUCT_ANSWER,
  INSTRUCT_RAW_ANSWER,
  TINY_CONTEXT_OPTIONS,
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
