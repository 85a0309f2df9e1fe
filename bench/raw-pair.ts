import { setMaxListeners } from "node:events";
import { availableParallelism } from "node:os";
import {
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaGpuType,
  type LlamaModel,
} from "node-llama-cpp";

/** The commands the benchmark measures: one model (`/complete`) or both at once (`/compare`). */
export type BenchCommand = "complete" | "compare";

/** Which model a generation ran on: the base one raw, or the instruct one through its chat template. */
export type RawSide = "base" | "instruct";

/** Sampling shared by the raw runs and the pipeline's requests. */
export interface RawSampling {
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
}

/** One raw generation: time to first token and total, from the generation call. */
export interface RawRequest {
  side: RawSide;
  ttftMs: number | null;
  totalMs: number;
  tokens: number;
}

/** One round: every generation of a workload started together. */
export interface RawRound {
  wallMs: number;
  tokens: number;
  requests: RawRequest[];
  /** The round was stopped at its time cap (a configuration too slow to measure in full). */
  capped: boolean;
}

/** What one measurement ran with. */
export interface RawRun {
  /** The warm-up (not measured) hit its cap. */
  warmUpCapped: boolean;
  warmUpMs: number;
  rounds: RawRound[];
  /** Threads each context asked for (node-llama-cpp's `idealThreads`). */
  threadsPerContext: number;
  /** node-llama-cpp's `llama.maxThreads` during the run (0: no limit). */
  maxThreads: number;
}

export interface MeasureOptions {
  command: BenchCommand;
  /** Requests at once: sequences per context. */
  concurrency: number;
  /** Threads per context; null: node-llama-cpp's defaults, `llama.maxThreads` as it came. */
  threads: number | null;
  rounds: number;
  sampling: RawSampling;
  /** The instruct side's system prompt (the worker's). */
  systemPrompt: string;
  /** The warm-up is stopped after this long. */
  warmUpCapMs: number;
  /** Each measured round is stopped after this long. */
  roundCapMs: number;
  /** When the warm-up hits its cap, measure one round only (capped at this), not `rounds`. */
  slowRoundCapMs: number;
}

/**
 * node-llama-cpp with nothing around it: the pair's two models in one `Llama`, and per measurement a context of
 * `concurrency` sequences per model that decodes, sized as the worker's Engine sizes it (the model's training size,
 * at most 4096 tokens). `/complete` decodes on the base context alone; `/compare` on both at once: `LlamaCompletion`
 * on the base model, `LlamaChatSession` with the instruct model's own chat template and the worker's system prompt on
 * the instruct one, as the worker does.
 */
export class RawPairBench {
  private readonly chatWrapper: ChatWrapper;
  /** `llama.maxThreads` as node-llama-cpp chose it. */
  readonly defaultMaxThreads: number;

  private constructor(
    private readonly llama: Llama,
    private readonly models: Record<RawSide, LlamaModel>,
  ) {
    this.chatWrapper = resolveChatWrapper(models.instruct);
    this.defaultMaxThreads = llama.maxThreads;
  }

  /** Loads both models as the worker would (`gpu` as `LLAMA_GPU` gives it; llama.cpp warnings only). */
  static async load(paths: Record<RawSide, string>, gpu: "auto" | LlamaGpuType): Promise<RawPairBench> {
    const llama = await getLlama({ gpu, build: "never", progressLogs: false, logLevel: LlamaLogLevel.warn });
    try {
      const base = await llama.loadModel({ modelPath: paths.base });
      const instruct = await llama.loadModel({ modelPath: paths.instruct });
      return new RawPairBench(llama, { base, instruct });
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** The machine's real cores as the worker counts them. */
  get cores(): number {
    return Math.max(1, Math.min(this.llama.cpuMathCores, availableParallelism()));
  }

  /** The backend: "cpu", "cuda", "vulkan" or "metal". */
  get backend(): string {
    return this.llama.gpu || "cpu";
  }

  /** The context size the worker's Engine uses for a model. */
  contextSize(side: RawSide): number {
    return Math.min(this.models[side].trainContextSize, 4096);
  }

  /** One warm-up (one request per model, unmeasured), then `rounds` rounds of `concurrency` requests per model. */
  async measure(options: MeasureOptions): Promise<RawRun> {
    const sides: RawSide[] = options.command === "compare" ? ["base", "instruct"] : ["base"];
    this.llama.maxThreads = options.threads === null ? this.defaultMaxThreads : options.threads * sides.length;
    const contexts = new Map<RawSide, LlamaContext>();
    const disposeContexts = async () => {
      for (const context of contexts.values()) await context.dispose();
    };
    const createContexts = async () => {
      await disposeContexts();
      for (const side of sides) {
        const context = await this.models[side].createContext({
          sequences: options.concurrency,
          contextSize: this.contextSize(side),
          ...(options.threads === null ? {} : { threads: options.threads }),
        });
        contexts.set(side, context);
      }
    };
    try {
      await createContexts();
      const round = async (perSide: number, capMs: number): Promise<RawRound> => {
        const signal = AbortSignal.timeout(Math.ceil(capMs));
        // Every generation of the round listens to it (32 at /compare c16).
        setMaxListeners(0, signal);
        const startedAt = performance.now();
        const jobs = sides.flatMap((side) =>
          Array.from({ length: perSide }, () => this.one(side, contexts.get(side) as LlamaContext, options, signal)),
        );
        const done = await Promise.all(jobs);
        const wallMs = performance.now() - startedAt;
        if (signal.aborted) {
          // A stopped generation may still have a decode queued in its context, whose sampler reads the completion:
          // the contexts go first (they finish or drop what is queued), then the completions.
          await disposeContexts();
          await Promise.all(done.map((d) => d.release()));
        } else {
          await Promise.all(done.map((d) => d.release()));
        }
        const requests = done.map((d) => d.request);
        return { wallMs, tokens: requests.reduce((sum, r) => sum + r.tokens, 0), requests, capped: signal.aborted };
      };
      const warmUp = await round(1, options.warmUpCapMs);
      if (warmUp.capped) await createContexts();
      const rounds: RawRound[] = [];
      const count = warmUp.capped ? 1 : options.rounds;
      for (let i = 0; i < count; i++) {
        const measured = await round(options.concurrency, warmUp.capped ? options.slowRoundCapMs : options.roundCapMs);
        rounds.push(measured);
        if (measured.capped) break;
      }
      const first = contexts.values().next().value;
      return {
        warmUpCapped: warmUp.capped,
        warmUpMs: warmUp.wallMs,
        rounds,
        threadsPerContext: first?.idealThreads ?? 0,
        maxThreads: this.llama.maxThreads,
      };
    } finally {
      await disposeContexts();
      this.llama.maxThreads = this.defaultMaxThreads;
    }
  }

  /** One generation on a free sequence; `release` frees what it used (after the contexts, when it was stopped). */
  private async one(
    side: RawSide,
    context: LlamaContext,
    options: MeasureOptions,
    signal: AbortSignal,
  ): Promise<{ request: RawRequest; release: () => Promise<void> }> {
    const sequence = context.getSequence();
    const { sampling } = options;
    let firstAt: number | null = null;
    let tokens = 0;
    const generation = {
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      seed: sampling.seed,
      signal,
      stopOnAbortSignal: true,
      onToken: (batch: readonly unknown[]) => {
        firstAt ??= performance.now();
        tokens += batch.length;
      },
    };
    const generator =
      side === "base"
        ? new LlamaCompletion({ contextSequence: sequence })
        : new LlamaChatSession({
            contextSequence: sequence,
            chatWrapper: this.chatWrapper,
            systemPrompt: options.systemPrompt,
          });
    const release = async () => {
      generator.dispose();
      if (!sequence.disposed) await sequence.dispose();
    };
    const startedAt = performance.now();
    try {
      if (generator instanceof LlamaCompletion) await generator.generateCompletionWithMeta(sampling.prompt, generation);
      else await generator.promptWithMeta(sampling.prompt, generation);
    } catch (error) {
      await release();
      throw error;
    }
    const endedAt = performance.now();
    const request = {
      side,
      ttftMs: firstAt === null ? null : firstAt - startedAt,
      totalMs: endedAt - startedAt,
      tokens,
    };
    return { request, release };
  }

  /** Disposes the models and the Llama. */
  async dispose(): Promise<void> {
    for (const model of Object.values(this.models)) await model.dispose();
    await this.llama.dispose();
  }
}
