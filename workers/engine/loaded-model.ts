import type { LlamaContext, LlamaModel } from "node-llama-cpp";

/** A model loaded once and kept resident, with its context of N sequences. */
export interface LoadedModel {
  model: LlamaModel;
  context: LlamaContext;
  /** The model's name, from its GGUF metadata or file name. */
  name: string;
}
