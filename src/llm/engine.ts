import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import type { Sampling, Side, SideResult } from "../jobs.js";
import { chooseSequences } from "./choose-sequences.js";
import { chatTurn, completeRaw, type SideRun } from "./generate-side.js";

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

/** What a worker has loaded, for logs and labels. */
export interface EngineInfo {
  backend: string;
  sequences: number;
  models: Record<Side, { name: string; file: string; contextSize: number }>;
}

/**
 * One `Llama` with the base and instruct models resident, each with a context of N sequences.
 * Generates one side at a time per call; callers run sides concurrently.
 */
export class Engine {
  private constructor(
    private readonly llama: Llama,
    private readonly sides: Record<Side, Resident>,
    private readonly systemPrompt: string,
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
      const describe = (r: Resident, file: string) => ({ name: r.name, file, contextSize: r.context.contextSize });
      return new Engine(llama, { base, instruct }, options.systemPrompt, {
        backend: llama.gpu || "cpu",
        sequences,
        models: { base: describe(base, options.basePath), instruct: describe(instruct, options.instructPath) },
      });
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** Generates one side: the base model as raw continuation, the instruct model as a chat turn. */
  generate(side: Side, run: SideRun): Promise<SideResult> {
    return side === "base"
      ? completeRaw(this.sides.base.context, run)
      : chatTurn(this.sides.instruct.context, this.systemPrompt, run);
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

export type { SideRun, Sampling };
