import { escapeMarkdown } from "discord.js";
import { isTemplated, type JobKind, type Side, type SideResult } from "../jobs.js";
import { oneLine, sideLabel, sideMethod, statsText, stopExplanation } from "./labels.js";
import { splitMarkdown } from "./split.js";

/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2000;
/** Room left for the body once the label line and the status line are in. */
const BODY_LIMIT = 1200;

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
      const stats = `-# ${statsText(view.result, view.maxTokens, view.stoppedBy)}`;
      // Blind: the explanation would say which model is which.
      if (view.blindLabel !== undefined) return stats;
      const dropped = view.result.droppedTurns
        ? `\n-# ✂️ Left out the first ${view.result.droppedTurns} turn${view.result.droppedTurns === 1 ? "" : "s"} of this conversation: they no longer fit in the model's context.`
        : "";
      return `${stats}\n-# 💡 ${stopExplanation(view.side, view.result, view.maxTokens, view.stoppedBy)}${dropped}`;
    }
    case "failed":
      return `⚠️ ${view.failure ?? "This generation failed."}`;
  }
}

/**
 * Renders one side into message contents, each at most {@link MESSAGE_LIMIT} characters: a label line,
 * the body split without breaking code blocks, and a status line (stats when done) on the last one.
 */
export function renderOutput(view: OutputView): string[] {
  const text = body(view);
  const empty = view.phase === "done" && view.text.trim() === "" ? "\n*(the model produced no text)*" : "";
  const pieces = splitMarkdown(text + empty, BODY_LIMIT);
  const name = view.blindLabel === undefined ? sideLabel(view.side) : `Model ${view.blindLabel}`;
  const label =
    view.blindLabel === undefined
      ? `**${name}** · \`${oneLine(view.modelName, 80).replace(/`/g, "'")}\` · ${sideMethod(view.side)}`
      : `**${name}** · blind: which model this is shows after you vote`;
  return pieces.map((piece, index) => {
    const head = index === 0 ? label : `-# ${name}, continued (${index + 1}/${pieces.length})`;
    const tail = index === pieces.length - 1 ? `\n${statusLine(view)}` : "";
    const content = `${head}\n${piece}${tail}`;
    return content.length <= MESSAGE_LIMIT ? content : content.slice(0, MESSAGE_LIMIT);
  });
}
