import { stat } from "node:fs/promises";
import {
  getLlama,
  GgufFileType,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import { isTemplated, modelOf, type ModelRole, type Sampling, type Side, type SideResult } from "../jobs.js";
import { chooseSequences } from "./choose-sequences.js";
import {
  chatTurn,
  completeRaw,
  nextTokens,
  prepareChat,
  prepareRaw,
  type NextToken,
  type PreparedInput,
  type SideRun,
} from "./generate-side.js";

export interface EngineOptions {
  basePath: string;
  instructPath: string;
  /** Sequences per context = jobs at once. Defaults to what the hardware allows ({@link chooseSequences}). */
  sequences?: number | undefined;
  /** Tokens per sequence. Defaults to the model's training size, at most 4096. */
  contextSize?: number;
  /** CPU threads per context. Defaults to node-llama-cpp's choice. */
  threads?: number | undefined;
  systemPrompt: string;
  /** Receives llama.cpp's own warnings and errors. */
  onLlamaLog?: (level: LlamaLogLevel, message: string) => void;
}

interface Resident {
  model: LlamaModel;
  context: LlamaContext;
  name: string;
}

/** One loaded model, as `/models` shows it. */
export interface ModelInfo {
  name: string;
  file: string;
  contextSize: number;
  trainContextSize: number;
  /** File size in bytes. */
  sizeBytes: number;
  /** The GGUF file type, e.g. "Q8_0" or "F16". */
  quantization: string;
  parameters: string | null;
  /** The chat template in the GGUF, as node-llama-cpp resolved it, or null when it has none. */
  chatTemplate: string | null;
}

/** What a worker has loaded, for logs, labels and `/models`. */
export interface EngineInfo {
  /** "cuda", "vulkan", "metal" or "cpu". */
  backend: string;
  sequences: number;
  models: Record<ModelRole, ModelInfo>;
}

/**
 * One `Llama` with the base and instruct models resident, each with a context of N sequences.
 * Generates one side at a time per call; callers run sides concurrently.
 */
export class Engine {
  private constructor(
    private readonly llama: Llama,
    private readonly sides: Record<ModelRole, Resident>,
    private readonly systemPrompt: string,
    /** The instruct model's chat template: the templated sides of both models use it. */
    private readonly chatWrapper: ChatWrapper,
    readonly info: EngineInfo,
  ) {}

  /** Loads both models on the GPU when there is one, else on the CPU. */
  static async load(options: EngineOptions): Promise<Engine> {
    const llama = await getLlama({
      gpu: "auto",
      logLevel: LlamaLogLevel.warn,
      ...(options.onLlamaLog ? { logger: options.onLlamaLog } : {}),
    });
    try {
      const baseModel = await llama.loadModel({ modelPath: options.basePath });
      const instructModel = await llama.loadModel({ modelPath: options.instructPath });
      const contextSize = (model: LlamaModel) => options.contextSize ?? Math.min(model.trainContextSize, 4096);
      const sequences = options.sequences ?? (await chooseSequences(llama, [baseModel, instructModel], contextSize));
      const resident = async (model: LlamaModel, path: string): Promise<Resident> => {
        const context = await model.createContext({
          sequences,
          contextSize: contextSize(model),
          ...(options.threads ? { threads: options.threads } : {}),
        });
        const name = model.fileInfo.metadata.general?.name ?? path.split(/[/\\]/).pop() ?? path;
        return { model, context, name: String(name) };
      };
      const base = await resident(baseModel, options.basePath);
      const instruct = await resident(instructModel, options.instructPath);
      const chatWrapper = resolveChatWrapper(instructModel);
      return new Engine(llama, { base, instruct }, options.systemPrompt, chatWrapper, {
        backend: llama.gpu || "cpu",
        sequences,
        models: {
          base: await describeModel(base, options.basePath),
          instruct: await describeModel(instruct, options.instructPath),
        },
      });
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** Generates one side: its model, raw or through the instruct model's chat template with the system prompt. */
  generate(side: Side, run: SideRun): Promise<SideResult> {
    const slot = this.sides[modelOf(side)];
    return isTemplated(side) ? chatTurn(slot, this.chatWrapper, this.systemPrompt, run) : completeRaw(slot, run);
  }

  /** Exactly what a side would evaluate for `run`, without generating. */
  prepare(side: Side, run: Pick<SideRun, "prompt" | "history" | "sampling">): PreparedInput {
    const slot = this.sides[modelOf(side)];
    return isTemplated(side)
      ? prepareChat(slot, this.chatWrapper, this.systemPrompt, run)
      : prepareRaw(slot.model, run.prompt);
  }

  /** The `k` likeliest next tokens of a side's model after the side's input for `run`. */
  nextTokens(side: Side, run: Pick<SideRun, "prompt" | "history" | "sampling">, k: number): Promise<NextToken[]> {
    return nextTokens(this.sides[modelOf(side)], this.prepare(side, run).tokens, k);
  }

  /** Disposes contexts, models and the Llama, in that order. */
  async dispose(): Promise<void> {
    for (const side of Object.values(this.sides)) {
      await side.context.dispose();
      await side.model.dispose();
    }
    await this.llama.dispose();
  }
}

/** A loaded model's description for `/models`. */
async function describeModel(resident: Resident, file: string): Promise<ModelInfo> {
  const { model, context } = resident;
  const metadata = model.fileInfo.metadata;
  const fileType = metadata.general.file_type;
  const template = metadata.tokenizer.chat_template;
  return {
    name: resident.name,
    file,
    contextSize: context.contextSize,
    trainContextSize: model.trainContextSize,
    sizeBytes: await stat(file).then(
      (s) => s.size,
      () => model.size,
    ),
    quantization: fileType === undefined ? "unknown" : quantName(fileType),
    parameters: metadata.general.size_label ?? null,
    chatTemplate: typeof template === "string" && template !== "" ? resolveChatWrapper(model).wrapperName : null,
  };
}

/** "MOSTLY_Q8_0" → "Q8_0", "ALL_F32" → "F32". */
function quantName(fileType: GgufFileType): string {
  const name = GgufFileType[fileType] as string | undefined;
  return name === undefined ? `type ${fileType}` : name.replace(/^(MOSTLY|ALL)_/, "");
}

export type { SideRun, Sampling, NextToken };
