import { LlamaChatSession, LlamaCompletion, type LlamaContext } from "node-llama-cpp";
import type { Sampling, SideResult } from "../jobs.js";
import { toStopReason } from "./stop-reason.js";

export interface SideRun {
  prompt: string;
  sampling: Sampling;
  /** Called with the whole text so far each time it grows. */
  onText?: (text: string) => void;
  signal?: AbortSignal;
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
    finish: (text: string, stopReason: string): SideResult => ({
      text,
      tokens,
      stopReason: toStopReason(stopReason),
      timeToFirstTokenMs: firstTokenAt === null ? null : Math.round(firstTokenAt - startedAt),
      durationMs: Math.round(performance.now() - startedAt),
    }),
  };
}

function common(run: SideRun, m: ReturnType<typeof meter>) {
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

/**
 * Raw continuation on the base model: no chat template, even when the GGUF carries one.
 * Uses one free sequence of `context` and gives it back.
 */
export async function completeRaw(context: LlamaContext, run: SideRun): Promise<SideResult> {
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const m = meter();
    const result = await completion.generateCompletionWithMeta(run.prompt, common(run, m));
    return m.finish(result.response, result.metadata.stopReason);
  } finally {
    completion.dispose();
    await sequence.dispose();
  }
}

/**
 * One chat turn on the instruct model through the chat template resolved from its GGUF, with an
 * explicit system prompt. Uses one free sequence of `context` and gives it back.
 */
export async function chatTurn(context: LlamaContext, systemPrompt: string, run: SideRun): Promise<SideResult> {
  const sequence = context.getSequence();
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt });
  try {
    const m = meter();
    const result = await session.promptWithMeta(run.prompt, common(run, m));
    return m.finish(result.responseText, result.stopReason);
  } finally {
    session.dispose();
    await sequence.dispose();
  }
}
