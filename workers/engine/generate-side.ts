import {
  LlamaChatSession,
  LlamaCompletion,
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaContext,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type { PromptSeen, Sampling, SideResult, Turn } from "../../src/shared/jobs.js";
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
  /** Called with the whole text so far each time it grows. */
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

/** A model loaded once and kept resident, with its context of N sequences. */
export interface LoadedModel {
  model: LlamaModel;
  context: LlamaContext;
  /** The model's name, from its GGUF metadata or file name. */
  name: string;
}

/** The exact tokens a side evaluates before generating, and how they were made. */
export interface PreparedInput {
  tokens: Token[];
  /** Templated: the chat history the tokens were made from. */
  chatHistory?: ChatHistoryItem[];
  droppedTurns: number;
  seen: PromptSeen;
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
function generationOptions(run: SideRun, m: ReturnType<typeof meter>) {
  let text = "";
  return {
    maxTokens: run.sampling.maxTokens,
    temperature: run.sampling.temperature,
    seed: run.sampling.seed,
    stopOnAbortSignal: true,
    ...(run.signal ? { signal: run.signal } : {}),
    onToken: m.onToken,
    onTextChunk: (chunk: string) => {
      text += chunk;
      run.onText?.(text);
    },
  };
}

/** Describes tokens as a member should see them: the text with special tokens written out, and those tokens. */
export function describeInput(model: LlamaModel, tokens: readonly Token[], template: string | null): PromptSeen {
  const counts = new Map<string, number>();
  for (const token of tokens) {
    if (!model.isSpecialToken(token)) continue;
    const text = model.detokenize([token], true);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return {
    text: model.detokenize([...tokens], true),
    tokens: tokens.length,
    specialTokens: [...counts].map(([text, count]) => ({ text, count })),
    template,
  };
}

/** The tokens LlamaCompletion evaluates for a raw prompt: the beginning-of-text token if the model wants one, then the text. */
function rawTokens(model: LlamaModel, prompt: string): { bos: Token[]; body: Token[] } {
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  return { bos, body: model.tokenize(prompt, false, bos.length > 0 ? "trimLeadingSpace" : undefined) };
}

/** A raw prompt's input. */
export function prepareRaw(model: LlamaModel, prompt: string): PreparedInput {
  const { bos, body } = rawTokens(model, prompt);
  const tokens = [...bos, ...body];
  return { tokens, droppedTurns: 0, seen: describeInput(model, tokens, null) };
}

function chatHistoryOf(systemPrompt: string, history: readonly Turn[], prompt: string): ChatHistoryItem[] {
  return [
    { type: "system", text: systemPrompt },
    ...history.flatMap((turn): ChatHistoryItem[] => [
      { type: "user", text: turn.prompt },
      { type: "model", response: [turn.answer] },
    ]),
    { type: "user", text: prompt },
    { type: "model", response: [] },
  ];
}

/**
 * A templated prompt's input, made by the chat wrapper exactly as LlamaChatSession makes it. Leaves out the
 * oldest turns of `history` until the input and `maxTokens` new tokens fit the context.
 */
export function prepareChat(
  loaded: LoadedModel,
  wrapper: ChatWrapper,
  systemPrompt: string,
  run: Pick<SideRun, "prompt" | "history" | "sampling">,
): PreparedInput {
  const history = [...(run.history ?? [])];
  let dropped = 0;
  for (;;) {
    const chatHistory = chatHistoryOf(systemPrompt, history, run.prompt);
    const { contextText } = wrapper.generateContextState({ chatHistory });
    const tokens = contextText.tokenize(loaded.model.tokenizer);
    if (history.length === 0 || tokens.length + run.sampling.maxTokens <= loaded.context.contextSize) {
      return {
        tokens,
        chatHistory,
        droppedTurns: dropped,
        seen: describeInput(loaded.model, tokens, wrapper.wrapperName),
      };
    }
    history.shift();
    dropped += 1;
  }
}

/**
 * Raw continuation: no chat template, even when the GGUF carries one. Uses one free sequence of the
 * context and gives it back.
 */
export async function completeRaw(loaded: LoadedModel, run: SideRun): Promise<SideResult> {
  // LlamaCompletion adds the beginning-of-text token to the body itself, as `prepareRaw` reports it.
  const { bos, body } = rawTokens(loaded.model, run.prompt);
  const seen = describeInput(loaded.model, [...bos, ...body], null);
  const sequence = loaded.context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const m = meter();
    const stops = run.stopSequences ?? [];
    const result = await completion.generateCompletionWithMeta(body, {
      ...generationOptions(run, m),
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
    return { ...side, input: seen };
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
    const result = await session.promptWithMeta(run.prompt, generationOptions(run, m));
    // A template's own end-of-turn text ends the turn just as the end-of-turn token does.
    const reason = result.stopReason === "stopGenerationTrigger" ? "eogToken" : result.stopReason;
    const side = m.finish(result.responseText, toStopReason(reason));
    const end = reason === "eogToken" ? endTokenText(loaded.model) : undefined;
    if (end !== undefined) side.endToken = end;
    const dropped = input.droppedTurns + (run.omittedTurns ?? 0);
    if (dropped > 0) side.droppedTurns = dropped;
    return { ...side, input: input.seen };
  } finally {
    session.dispose();
    await sequence.dispose();
  }
}

/** The model's end-of-turn token as text (its end-of-text token when it has no separate one). */
function endTokenText(model: LlamaModel): string | undefined {
  return model.tokens.eotString ?? model.tokens.eosString ?? undefined;
}

/** A candidate next token and its probability. */
export interface NextToken {
  text: string;
  probability: number;
}

/**
 * The `k` likeliest next tokens after `tokens`, from the model's own distribution (temperature 1). Uses one
 * free sequence of the context and gives it back.
 */
export async function nextTokens(loaded: LoadedModel, tokens: readonly Token[], k: number): Promise<NextToken[]> {
  if (tokens.length === 0) return [];
  const sequence = loaded.context.getSequence();
  try {
    const last = tokens.length - 1;
    const output = await sequence.controlledEvaluate(
      tokens.map((token, index) =>
        index === last ? [token, { generateNext: { probabilities: true, options: { temperature: 1 } } }] : token,
      ),
    );
    const probabilities = output[last]?.next?.probabilities;
    if (!probabilities) return [];
    return (
      [...probabilities.entries()]
        .slice(0, k)
        // Detokenized after the input, so a leading space shows as the model would write it there.
        .map(([token, probability]) => ({ text: loaded.model.detokenize([token], true, tokens), probability }))
    );
  } finally {
    await sequence.dispose();
  }
}
