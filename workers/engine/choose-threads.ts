/** CPU threads per context when every layer is on the GPU: the CPU only schedules and samples then. */
const GPU_THREADS = 2;

export interface ThreadsInput {
  /** The machine's real cores: node-llama-cpp's `llama.cpuMathCores`, at most what the process may use. */
  cores: number;
  /** Contexts that decode at the same time: the base and the instruct context during a comparison. */
  contexts: number;
  /** Every layer of every model is offloaded to a GPU. */
  gpu: boolean;
  /** `LLAMA_THREADS`: threads per context, chosen by the admin. */
  override?: number | undefined;
}

export interface ThreadsChoice {
  /** Threads each context decodes with. */
  perContext: number;
  /** The most threads all contexts together may use at once (node-llama-cpp's `llama.maxThreads`). */
  total: number;
}

/**
 * CPU threads for contexts that decode at the same time, so that together they never use more threads than the
 * machine has cores (more makes llama.cpp's threads wait on each other: 30-50x slower on a 2-core machine).
 * CPU: the cores shared out, `floor(cores / contexts)` each, at least 1; with fewer cores than contexts the total
 * stays at the cores and contexts take turns. Every layer on the GPU: at most 2 each, within the same total.
 * `override` (LLAMA_THREADS) sets the threads per context, and the total lets every context have them at once.
 */
export function chooseThreads({ cores, contexts, gpu, override }: ThreadsInput): ThreadsChoice {
  const count = Math.max(1, Math.floor(contexts));
  if (override !== undefined && override > 0) return { perContext: override, total: override * count };
  const real = Math.max(1, Math.floor(cores));
  const share = Math.max(1, Math.floor(real / count));
  return { perContext: gpu ? Math.min(GPU_THREADS, share) : share, total: real };
}
