import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";

/** A candidate next token and its probability. */
export interface NextToken {
  text: string;
  probability: number;
}

/**
 * The model's own distribution: temperature 1 and no truncation. In node-llama-cpp, `topK: 0` means the whole
 * vocabulary, `topP: 1` and `minP: 0` switch those filters off; left unset they default to top-k 40 and top-p 0.95,
 * which cut the tail off and renormalise what is left (a token at 96% then shows as 100%).
 */
export const FULL_DISTRIBUTION = { temperature: 1, topK: 0, topP: 1, minP: 0 } as const;

/**
 * Evaluates `tokens` on `sequence` (which must be empty) and returns the `k` likeliest next tokens after them, from
 * the model's full distribution at temperature 1. The sequence keeps the tokens: a generation on it afterwards
 * evaluates only the last one again (node-llama-cpp needs it for its first token) instead of the whole input.
 */
export async function evaluateInput(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  tokens: readonly Token[],
  k: number,
): Promise<NextToken[]> {
  if (tokens.length === 0) return [];
  const last = tokens.length - 1;
  const output = await sequence.controlledEvaluate(
    tokens.map((token, index) =>
      index === last ? [token, { generateNext: { probabilities: true, options: FULL_DISTRIBUTION } }] : token,
    ),
  );
  const probabilities = output[last]?.next?.probabilities;
  if (!probabilities) return [];
  return (
    [...probabilities.entries()]
      .slice(0, k)
      // Detokenized after the input, so a leading space shows as the model would write it there.
      .map(([token, probability]) => ({ text: model.detokenize([token], true, tokens), probability }))
  );
}
