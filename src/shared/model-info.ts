import type { ModelRole } from "./jobs.js";

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
