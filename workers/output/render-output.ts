import { escapeMarkdown } from "discord.js";
import { isTemplated, type JobKind, type Side, type SideResult } from "../../src/shared/jobs.js";
import { oneLine, sideLabel, sideMethod, statsText, stopExplanation } from "../../src/shared/labels.js";
import { splitMarkdown } from "./split.js";

/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2000;
/** A message's body: the limit less the longest head line (label or "continued"), so messages fill up. */
const BODY_LIMIT = 1800;

export type OutputPhase = "queued" | "generating" | "done" | "failed";

/** Everything one side's messages show. */
export interface OutputView {
  kind: JobKind;
  side: Side;
  modelName: string;
  prompt: string;
  maxTokens: number;
  phase: OutputPhase;
  /** Generated text so far (or final). */
  text: string;
  result?: SideResult;
  /** With phase "failed": what to tell the user. */
  failure?: string;
  /** Who pressed Stop, when someone did. */
  stoppedBy?: string;
  /** A blind comparison: the side is only "Model A" or "Model B", with nothing that gives it away. */
  blindLabel?: "A" | "B";
  /** The result's footer, under the last side's status (the chart's text, what the buttons do). */
  footer?: string;
}

/** The body a side shows: a raw side shows the prompt in bold, then where the model took over. */
function body(view: OutputView): string {
  if (!isTemplated(view.side) && view.blindLabel === undefined) {
    const prompt = escapeMarkdown(view.prompt);
    return prompt.trim() === "" ? view.text : `**${prompt}**${view.text}`;
  }
  return view.text;
}

function statusLine(view: OutputView): string {
  switch (view.phase) {
    case "queued":
      return "-# ⏳ waiting in the queue…";
    case "generating":
      return "-# ✍️ generating…";
    case "done": {
      if (!view.result) return "-# done";
      // Blind: the token count, the speed, the stop reason and its explanation would each say which model is which.
      if (view.blindLabel !== undefined) {
        return view.stoppedBy === undefined
          ? "-# ✅ done · its stats and why it stopped show to you once you vote"
          : `-# ⏹️ ${view.stoppedBy} pressed Stop · its stats show to you under **Show the exact prompts**`;
      }
      // The limit the side ran with: max_tokens, or less where the model's context had no more room.
      const capped = view.result.maxTokensCapped;
      const maxTokens = capped?.maxTokens ?? view.maxTokens;
      const stats = `-# ${statsText(view.result, maxTokens, view.stoppedBy)}`;
      const dropped = view.result.droppedTurns
        ? `\n-# ✂️ Left out the first ${view.result.droppedTurns} turn${view.result.droppedTurns === 1 ? "" : "s"} of this conversation: they no longer fit in the model's context.`
        : "";
      const cap = capped
        ? `\n-# ✂️ max_tokens capped to ${capped.maxTokens}: the model's context holds ${capped.contextSize} tokens, and the prompt takes the rest.`
        : "";
      return `${stats}\n-# 💡 ${stopExplanation(view.side, view.result, maxTokens, view.stoppedBy)}${dropped}${cap}`;
    }
    case "failed":
      return `⚠️ ${view.failure ?? "This generation failed."}`;
  }
}

/** One side as messages: the text of each (head line and body), and the status under the last. */
export interface RenderedOutput {
  pieces: string[];
  status: string;
  /** A finished side whose last messages are not posted yet: the line under the last one posted. */
  pending?: string;
}

/**
 * Renders one side into messages of at most {@link MESSAGE_LIMIT} characters: a label line, the body split
 * without breaking code blocks (each message filled up, and cut at the same places as the text grows), and
 * the status (stats when done) under the last.
 */
export function renderSide(view: OutputView): RenderedOutput {
  const text = body(view);
  const empty = view.phase === "done" && view.text.trim() === "" ? "\n*(the model produced no text)*" : "";
  const status = view.footer === undefined ? statusLine(view) : `${statusLine(view)}\n${view.footer}`;
  const name = view.blindLabel === undefined ? sideLabel(view.side) : `Model ${view.blindLabel}`;
  const label =
    view.blindLabel === undefined
      ? `**${name}** · \`${oneLine(view.modelName, 80).replace(/`/g, "'")}\` · ${sideMethod(view.side)}`
      : `**${name}** · blind: which model this is shows after you vote`;
  const head = (index: number) => (index === 0 ? label : `-# ${name}, continued (part ${index + 1})`);
  const bodies = splitMarkdown(text + empty, BODY_LIMIT);
  // The last message also carries the status: where both do not fit, its body moves on into one more message.
  const lastIndex = bodies.length - 1;
  const room = MESSAGE_LIMIT - head(lastIndex).length - status.length - 2;
  const last = bodies[lastIndex] ?? "";
  if (last.length > room) bodies.splice(lastIndex, 1, ...splitMarkdown(last, Math.max(40, room)));
  const pieces = bodies.map((piece, index) =>
    fit(`${head(index)}\n${piece}`, index === bodies.length - 1 ? status : ""),
  );
  const pending =
    view.phase === "failed"
      ? status
      : view.stoppedBy !== undefined
        ? `-# ⏹️ ${view.stoppedBy} pressed Stop · the rest follows below`
        : undefined;
  return { pieces, status, ...(pending !== undefined ? { pending } : {}) };
}

/** Cuts a message body so that it and its status fit Discord's limit. */
function fit(piece: string, status: string): string {
  const max = MESSAGE_LIMIT - (status === "" ? 0 : status.length + 1);
  return piece.length <= max ? piece : piece.slice(0, max);
}

/** The messages of one side as they read once all are posted: each piece, the status under the last. */
export function renderOutput(view: OutputView): string[] {
  const { pieces, status } = renderSide(view);
  return pieces.map((piece, index) => (index === pieces.length - 1 ? `${piece}\n${status}` : piece));
}
