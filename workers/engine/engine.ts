import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import {
  getLlama,
  GgufFileType,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaGpuType,
  type LlamaModel,
} from "node-llama-cpp";
import {
  isTemplated,
  modelOf,
  type ModelRole,
  type Sampling,
  type Side,
  type SideResult,
} from "../../src/shared/jobs.js";
import type { EngineInfo, ModelInfo } from "../../src/shared/model-info.js";
import { chooseSequences } from "./choose-sequences.js";
import { chooseThreads, type ThreadsChoice } from "./choose-threads.js";
import { chatTurn, completeRaw, type SideRun } from "./generate-side.js";
import type { LoadedModel } from "./loaded-model.js";
import { evaluateInput, type NextToken } from "./next-tokens.js";
import { prepareChat, prepareRaw, type InputRun, type PreparedInput } from "./prepare-input.js";

export interface EngineOptions {
  basePath: string;
  instructPath: string;
  /** Sequences per context = jobs at once. Defaults to what the hardware allows ({@link chooseSequences}). */
  sequences?: number | undefined;
  /** Tokens per sequence. Defaults to the model's training size, at most 4096. */
  contextSize?: number;
  /** CPU threads per context. Defaults to the real cores shared by the two contexts ({@link chooseThreads}). */
  threads?: number | undefined;
  systemPrompt: string;
  /** Receives llama.cpp's own warnings and errors. */
  onLlamaLog?: (level: LlamaLogLevel, message: string) => void;
  /** The GPU backend (`false` = the CPU only). Defaults to "auto": the best one found, else the CPU. */
  gpu?: "auto" | LlamaGpuType;
}

/**
 * One `Llama` with the base and instruct models resident, each with a context of N sequences.
 * Generates one side at a time per call; callers run sides concurrently.
 */
export class Engine {
  private constructor(
    private readonly llama: Llama,
    private readonly models: Record<ModelRole, LoadedModel>,
    private readonly systemPrompt: string,
    /** The instruct model's chat template: the templated sides of both models use it. */
    private readonly chatWrapper: ChatWrapper,
    readonly info: EngineInfo,
    /** CPU threads per context, and the most both contexts use at once. */
    readonly threads: ThreadsChoice,
  ) {}

  /** Loads both models on the GPU when there is one, else on the CPU. */
  static async load(options: EngineOptions): Promise<Engine> {
    const llama = await getLlama({
      gpu: options.gpu ?? "auto",
      // The prebuilt binary (or an existing local build): never a build of llama.cpp from source at start-up.
      build: "never",
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      ...(options.onLlamaLog ? { logger: options.onLlamaLog } : {}),
    });
    try {
      const baseModel = await llama.loadModel({ modelPath: options.basePath });
      const instructModel = await llama.loadModel({ modelPath: options.instructPath });
      const contextSize = (model: LlamaModel) => options.contextSize ?? Math.min(model.trainContextSize, 4096);
      const sequences = options.sequences ?? (await chooseSequences(llama, [baseModel, instructModel], contextSize));
      const threads = chooseThreads({
        // node-llama-cpp's own default (at least 4) can exceed the cores; the process may also be given fewer.
        cores: Math.min(llama.cpuMathCores, availableParallelism()),
        // The base and the instruct context decode at once during a comparison.
        contexts: 2,
        gpu: llama.gpu !== false && [baseModel, instructModel].every((m) => m.gpuLayers >= m.fileInsights.totalLayers),
        override: options.threads,
      });
      // The total across contexts, enforced by node-llama-cpp: where both decode at once, they share it.
      llama.maxThreads = threads.total;
      const load = async (model: LlamaModel, path: string): Promise<LoadedModel> => {
        const context = await model.createContext({
          sequences,
          contextSize: contextSize(model),
          threads: threads.perContext,
        });
        const name = model.fileInfo.metadata.general?.name ?? path.split(/[/\\]/).pop() ?? path;
        return { model, context, name: String(name) };
      };
      const base = await load(baseModel, options.basePath);
      const instruct = await load(instructModel, options.instructPath);
      const chatWrapper = resolveChatWrapper(instructModel);
      const info = {
        backend: llama.gpu || "cpu",
        sequences,
        models: {
          base: await describeModel(base, options.basePath),
          instruct: await describeModel(instruct, options.instructPath),
        },
      };
      return new Engine(llama, { base, instruct }, options.systemPrompt, chatWrapper, info, threads);
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** Generates one side: its model, raw or through the instruct model's chat template with the system prompt. */
  generate(side: Side, run: SideRun): Promise<SideResult> {
    const loaded = this.models[modelOf(side)];
    return isTemplated(side) ? chatTurn(loaded, this.chatWrapper, this.systemPrompt, run) : completeRaw(loaded, run);
  }

  /** Exactly what a side would evaluate for `run`, without generating, and the most tokens it may generate. */
  prepare(side: Side, run: InputRun): PreparedInput {
    const loaded = this.models[modelOf(side)];
    return isTemplated(side) ? prepareChat(loaded, this.chatWrapper, this.systemPrompt, run) : prepareRaw(loaded, run);
  }

  /**
   * The `k` likeliest next tokens of a side's model after the side's input for `run` (temperature 1, nothing cut
   * off), from an evaluation of their own on a free sequence. A generation gives them without that second
   * evaluation: `generate` with `run.nextTokens`, then `SideResult.nextTokens`.
   */
  async nextTokens(side: Side, run: InputRun, k: number): Promise<NextToken[]> {
    const loaded = this.models[modelOf(side)];
    const sequence = loaded.context.getSequence();
    try {
      return await evaluateInput(loaded.model, sequence, this.prepare(side, run).tokens, k);
    } finally {
      await sequence.dispose();
    }
  }

  /** Disposes contexts, models and the Llama, in that order. */
  async dispose(): Promise<void> {
    for (const loaded of Object.values(this.models)) {
      await loaded.context.dispose();
      await loaded.model.dispose();
    }
    await this.llama.dispose();
  }
}

/** A loaded model's description for `/models`. */
async function describeModel(loaded: LoadedModel, file: string): Promise<ModelInfo> {
  const { model, context } = loaded;
  const metadata = model.fileInfo.metadata;
  const fileType = metadata.general.file_type;
  const template = metadata.tokenizer.chat_template;
  return {
    name: loaded.name,
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

export type { SideRun, Sampling, NextToken, EngineInfo, ModelInfo, PreparedInput, ThreadsChoice };
