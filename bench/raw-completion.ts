import { getLlama, LlamaCompletion, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";

/** Sampling shared by the raw runs and the pipeline's requests. */
export interface RawSampling {
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
}

/** One raw completion: time to first token and total, from the generation call. */
export interface RawRequest {
  ttftMs: number | null;
  totalMs: number;
  tokens: number;
}

/** One round of `concurrency` completions started together on one context. */
export interface RawRound {
  wallMs: number;
  tokens: number;
  requests: RawRequest[];
}

/**
 * node-llama-cpp with nothing around it: one model, and per measurement a context of `c` sequences
 * sized as the worker's Engine sizes it (the model's training size, at most 4096 tokens).
 */
export class RawCompletionBench {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly threads: number | undefined,
  ) {}

  /** Loads `modelPath` as the worker would (GPU when there is one, llama.cpp warnings only). */
  static async load(modelPath: string, threads: number | undefined): Promise<RawCompletionBench> {
    const llama = await getLlama({ gpu: "auto", logLevel: LlamaLogLevel.warn });
    try {
      const model = await llama.loadModel({ modelPath });
      return new RawCompletionBench(llama, model, threads);
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** The context size the worker's Engine would use for this model. */
  get contextSize(): number {
    return Math.min(this.model.trainContextSize, 4096);
  }

  /**
   * Runs one unmeasured warm-up completion, then `rounds` rounds of `concurrency` completions at once,
   * each on its own sequence of one context with `concurrency` sequences.
   */
  async measure(concurrency: number, rounds: number, sampling: RawSampling): Promise<RawRound[]> {
    const context = await this.model.createContext({
      sequences: concurrency,
      contextSize: this.contextSize,
      ...(this.threads ? { threads: this.threads } : {}),
    });
    try {
      const one = async (): Promise<RawRequest> => {
        const sequence = context.getSequence();
        const completion = new LlamaCompletion({ contextSequence: sequence });
        try {
          const startedAt = performance.now();
          let firstAt: number | null = null;
          let tokens = 0;
          await completion.generateCompletionWithMeta(sampling.prompt, {
            maxTokens: sampling.maxTokens,
            temperature: sampling.temperature,
            seed: sampling.seed,
            onToken: (batch) => {
              firstAt ??= performance.now();
              tokens += batch.length;
            },
          });
          const endedAt = performance.now();
          return { ttftMs: firstAt === null ? null : firstAt - startedAt, totalMs: endedAt - startedAt, tokens };
        } finally {
          completion.dispose();
          await sequence.dispose();
        }
      };
      await one();
      const out: RawRound[] = [];
      for (let round = 0; round < rounds; round++) {
        const startedAt = performance.now();
        const requests = await Promise.all(Array.from({ length: concurrency }, one));
        out.push({
          wallMs: performance.now() - startedAt,
          tokens: requests.reduce((sum, r) => sum + r.tokens, 0),
          requests,
        });
      }
      return out;
    } finally {
      await context.dispose();
    }
  }

  /** Disposes the model and the Llama. */
  async dispose(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}
