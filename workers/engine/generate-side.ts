import {
  LlamaChatSession,
  LlamaCompletion,
  type ChatWrapper,
  type LlamaContextSequence,
  type LlamaModel,
} from "node-llama-cpp";
import type { Sampling, SideResult, Turn } from "../../src/shared/jobs.js";
import type { LoadedModel } from "./loaded-model.js";
import { evaluateInput } from "./next-tokens.js";
import { prepareChat, prepareRaw, type PreparedInput } from "./prepare-input.js";
import { toStopReason } from "./stop-reason.js";

export interface SideRun {
  /** What the model is given: raw text, or the user's message when the side is templated. */
  prompt: string;
  sampling: Sampling;
  /** Templated sides: earlier turns of the conversation, oldest first (early ones are left out if they do not fit). */
  history?: readonly Turn[];
  /** Turns before `history` that were already left out; counted with the ones left out here. */
  omittedTurns?: number;
  /** Raw sides: texts that end the generation when the model writes them (not shown in the output). */
  stopSequences?: readonly string[];
  /** Called with the whole text so far, and how many tokens it took, each time it grows. */
  onText?: (text: string, tokens: number) => void;
  signal?: AbortSignal;
  /**
   * How many of the likeliest next tokens right after the input to return (`SideResult.nextTokens`), read from the
   * same evaluation of the input as the generation. Defaults to none.
   */
  nextTokens?: number;
}

/** Counts tokens and times the first one, for the stats shown under each output. */
function meter() {
  const startedAt = performance.now();
  let firstTokenAt: number | null = null;
  let tokens = 0;
  return {
    onToken: (batch: readonly unknown[]) => {
      firstTokenAt ??= performance.now();
      tokens += batch.length;
    },
    /** Tokens generated so far. */
    tokens: () => tokens,
    finish: (text: string, stopReason: SideResult["stopReason"]): SideResult => ({
      text,
      tokens,
      stopReason,
      timeToFirstTokenMs: firstTokenAt === null ? null : Math.round(firstTokenAt - startedAt),
      durationMs: Math.round(performance.now() - startedAt),
    }),
  };
}

/** The options both kinds of generation share: sampling, the abort signal, counting and streaming the text. */
function generationOptions(run: SideRun, input: PreparedInput, m: ReturnType<typeof meter>) {
  let text = "";
  return {
    maxTokens: input.maxTokens,
    temperature: run.sampling.temperature,
    seed: run.sampling.seed,
    stopOnAbortSignal: true,
    ...(run.signal ? { signal: run.signal } : {}),
    onToken: m.onToken,
    onTextChunk: (chunk: string) => {
      text += chunk;
      run.onText?.(text, m.tokens());
    },
  };
}

/**
 * Evaluates a side's input on its sequence, reading the next-token probabilities the run asks for from that same
 * evaluation; the generation that follows on the sequence starts from it instead of evaluating the input again.
 */
async function prefill(loaded: LoadedModel, sequence: LlamaContextSequence, input: PreparedInput, run: SideRun) {
  if (!run.nextTokens || input.tokens.length >= loaded.context.contextSize) return undefined;
  return evaluateInput(loaded.model, sequence, input.tokens, run.nextTokens);
}

/** What every side's result carries besides its text: the input, the next tokens, the evaluation, a capped limit. */
function sideExtras(
  loaded: LoadedModel,
  sequence: LlamaContextSequence,
  input: PreparedInput,
  run: SideRun,
  next: SideResult["nextTokens"],
): Partial<SideResult> {
  const meter = sequence.tokenMeter;
  return {
    input: input.seen,
    evaluatedTokens: meter.usedInputTokens + meter.usedOutputTokens,
    ...(next !== undefined ? { nextTokens: next } : {}),
    ...(input.maxTokens < run.sampling.maxTokens
      ? { maxTokensCapped: { maxTokens: input.maxTokens, contextSize: loaded.context.contextSize } }
      : {}),
  };
}

/**
 * Raw continuation: no chat template, even when the GGUF carries one. Uses one free sequence of the
 * context and gives it back.
 */
export async function completeRaw(loaded: LoadedModel, run: SideRun): Promise<SideResult> {
  const input = prepareRaw(loaded, run);
  const sequence = loaded.context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const m = meter();
    const next = await prefill(loaded, sequence, input, run);
    const stops = run.stopSequences ?? [];
    // LlamaCompletion adds the beginning-of-text token to the body itself, as `prepareRaw` reports it.
    const result = await completion.generateCompletionWithMeta(input.body, {
      ...generationOptions(run, input, m),
      ...(stops.length > 0 ? { customStopTriggers: [...stops] } : {}),
    });
    const reason = result.metadata.stopReason;
    const side = m.finish(result.response, toStopReason(reason));
    if (reason === "customStopTrigger") {
      const hit = result.metadata.customStopTrigger.filter((part): part is string => typeof part === "string").join("");
      side.stopSequence = hit;
    }
    const end = reason === "eogToken" ? endTokenText(loaded.model) : undefined;
    if (end !== undefined) side.endToken = end;
    return { ...side, ...sideExtras(loaded, sequence, input, run, next) };
  } finally {
    completion.dispose();
    await sequence.dispose();
  }
}

/**
 * One chat turn through `wrapper`, with an explicit system prompt and the conversation so far. Uses one
 * free sequence of the context and gives it back.
 */
export async function chatTurn(
  loaded: LoadedModel,
  wrapper: ChatWrapper,
  systemPrompt: string,
  run: SideRun,
): Promise<SideResult> {
  const input = prepareChat(loaded, wrapper, systemPrompt, run);
  const sequence = loaded.context.getSequence();
  const session = new LlamaChatSession({ contextSequence: sequence, chatWrapper: wrapper, systemPrompt });
  try {
    // The history the input was made from, without the new user message and the empty answer after it.
    session.setChatHistory((input.chatHistory ?? []).slice(0, -2));
    const m = meter();
    const next = await prefill(loaded, sequence, input, run);
    const result = await session.promptWithMeta(run.prompt, generationOptions(run, input, m));
    // A template's own end-of-turn text ends the turn just as the end-of-turn token does.
    const reason = result.stopReason === "stopGenerationTrigger" ? "eogToken" : result.stopReason;
    const side = m.finish(result.responseText, toStopReason(reason));
    const end = reason === "eogToken" ? endTokenText(loaded.model) : undefined;
    if (end !== undefined) side.endToken = end;
    const dropped = input.droppedTurns + (run.omittedTurns ?? 0);
    if (dropped > 0) side.droppedTurns = dropped;
    return { ...side, ...sideExtras(loaded, sequence, input, run, next) };
  } finally {
    session.dispose();
    await sequence.dispose();
  }
}

/** The model's end-of-turn token as text (its end-of-text token when it has no separate one). */
function endTokenText(model: LlamaModel): string | undefined {
  return model.tokens.eotString ?? model.tokens.eosString ?? undefined;
}
