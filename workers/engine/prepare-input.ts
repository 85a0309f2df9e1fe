import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { PromptSeen, Sampling, Turn } from "../../src/shared/jobs.js";
import type { LoadedModel } from "./loaded-model.js";

/** The exact tokens a side evaluates before generating, and how they were made. */
export interface PreparedInput {
  tokens: Token[];
  /** Templated: the chat history the tokens were made from. */
  chatHistory?: ChatHistoryItem[];
  droppedTurns: number;
  /** The most tokens the answer may have: `max_tokens`, or less where the context has no more room. */
  maxTokens: number;
  seen: PromptSeen;
}

/** What a side's input is made from. */
export interface InputRun {
  prompt: string;
  sampling: Sampling;
  history?: readonly Turn[];
}

/**
 * Describes tokens as a member should see them: the text with special tokens written out, which of them are special
 * tokens (put there by the template or the tokenizer) and which are plain text, and plain text that only looks like
 * a special token (a member typing "<|im_start|>": the model reads those characters, not the token).
 */
export function describeInput(model: LlamaModel, tokens: readonly Token[], template: string | null): PromptSeen {
  const parts: { text: string; special: boolean }[] = [];
  const counts = new Map<string, number>();
  const lookAlikes = new Map<string, number>();
  let start = 0;
  while (start < tokens.length) {
    // A special token is a part of its own; plain text runs on to the next special token.
    const special = model.isSpecialToken(tokens[start]);
    let end = start + 1;
    while (!special && end < tokens.length && !model.isSpecialToken(tokens[end])) end++;
    // Detokenized after what precedes it, so a leading space comes out as it does in the whole text.
    const text = model.detokenize(tokens.slice(start, end), true, tokens.slice(0, start));
    parts.push({ text, special });
    if (special) {
      counts.set(text, (counts.get(text) ?? 0) + 1);
    } else {
      // Which special tokens these characters would have become, had they been read as special-token text.
      for (const token of model.tokenize(text, true)) {
        if (!model.isSpecialToken(token)) continue;
        const name = model.detokenize([token], true);
        lookAlikes.set(name, (lookAlikes.get(name) ?? 0) + 1);
      }
    }
    start = end;
  }
  return {
    text: parts.map((part) => part.text).join(""),
    tokens: tokens.length,
    specialTokens: [...counts].map(([text, count]) => ({ text, count })),
    template,
    parts,
    lookAlikes: [...lookAlikes].map(([text, count]) => ({ text, count })),
  };
}

/**
 * A raw prompt's tokens as LlamaCompletion evaluates them: the beginning-of-text token if the model wants one, then
 * the text; where the text is longer than the context allows (its size less the tenth LlamaCompletion keeps free),
 * only its end. `body` is what LlamaCompletion is given (it adds the beginning-of-text token itself).
 */
export function prepareRaw(loaded: LoadedModel, run: InputRun): PreparedInput & { body: Token[] } {
  const { model } = loaded;
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  const whole = model.tokenize(run.prompt, false, bos.length > 0 ? "trimLeadingSpace" : undefined);
  const contextSize = loaded.context.contextSize;
  const room = Math.max(1, contextSize - Math.max(1, Math.floor(contextSize / 10)) - bos.length);
  const body = whole.slice(-room);
  const tokens = [...bos, ...body];
  return { tokens, body, droppedTurns: 0, maxTokens: run.sampling.maxTokens, seen: describeInput(model, tokens, null) };
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
 * A templated prompt's input, made by the chat wrapper exactly as LlamaChatSession makes it. Room for the answer is
 * kept first: `max_tokens`, or, where the system prompt and the new message leave less, all that is left (and
 * `maxTokens` says so). Then as many of the latest turns of `history` as fit; the oldest are left out.
 */
export function prepareChat(
  loaded: LoadedModel,
  wrapper: ChatWrapper,
  systemPrompt: string,
  run: InputRun,
): PreparedInput {
  const contextSize = loaded.context.contextSize;
  const inputFor = (turns: readonly Turn[]) => {
    const chatHistory = chatHistoryOf(systemPrompt, turns, run.prompt);
    const { contextText } = wrapper.generateContextState({ chatHistory });
    return { chatHistory, tokens: contextText.tokenize(loaded.model.tokenizer) };
  };
  const history = run.history ?? [];
  const alone = inputFor([]);
  // The last token of the context is never written: node-llama-cpp shifts the context once it is reached.
  const maxTokens = Math.max(1, Math.min(run.sampling.maxTokens, contextSize - 1 - alone.tokens.length));
  // The most recent turns that fit beside the answer: the fewer turns, the fewer tokens, so the first fit is the most.
  let kept = alone;
  let dropped = history.length;
  for (let from = 0; from < history.length; from++) {
    const input = inputFor(history.slice(from));
    if (input.tokens.length + maxTokens <= contextSize - 1) {
      kept = input;
      dropped = from;
      break;
    }
  }
  return {
    tokens: kept.tokens,
    chatHistory: kept.chatHistory,
    droppedTurns: dropped,
    maxTokens,
    seen: describeInput(loaded.model, kept.tokens, wrapper.wrapperName),
  };
}
