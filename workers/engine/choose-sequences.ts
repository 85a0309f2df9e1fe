import { availableParallelism } from "node:os";
import type { Llama, LlamaModel } from "node-llama-cpp";

/** Sequence counts tried on a GPU, largest first. */
const GPU_CANDIDATES = [16, 12, 8, 6, 4, 3, 2, 1];
/** Share of free VRAM the contexts may take; the rest is headroom for compute buffers and other processes. */
const VRAM_SHARE = 0.8;

/**
 * How many sequences (= jobs at once) a worker should run when `WORKER_CONCURRENCY` is unset.
 * GPU: the most (up to 16) whose contexts for all `models` fit in 80% of free VRAM, by node-llama-cpp's own
 * estimate. CPU: half the cores (decoding is memory-bound, and each sequence needs threads), from 2 to 8.
 */
export async function chooseSequences(
  llama: Llama,
  models: readonly LlamaModel[],
  contextSize: (model: LlamaModel) => number,
): Promise<number> {
  if (!llama.gpu) return Math.min(8, Math.max(2, Math.floor(availableParallelism() / 2)));
  const { free } = await llama.getVramState();
  for (const sequences of GPU_CANDIDATES) {
    let needed = 0;
    for (const model of models) {
      const estimate = await model.fileInsights.estimateContextResourceRequirementsV2({
        contextSize: contextSize(model),
        modelGpuLayers: model.gpuLayers,
        sequences,
      });
      needed += estimate.gpuVram;
    }
    if (needed <= free * VRAM_SHARE) return sequences;
  }
  return 1;
}
