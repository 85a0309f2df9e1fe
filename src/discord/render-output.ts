import { escapeMarkdown } from "discord.js";
import type { JobKind, Side, SideResult } from "../jobs.js";
import { oneLine, sideLabel, sideMethod, statsText } from "./labels.js";
import { splitMarkdown } from "./split.js";

/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2000;
/** Room left for the body once the label line and the status line are in. */
const BODY_LIMIT = 1700;

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
}

/** The body a side shows: the base side shows the prompt in bold, then where the model took over. */
function body(view: OutputView): string {
  if (view.side === "base") {
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
    case "done":
      return view.result ? `-# ${statsText(view.result, view.maxTokens, view.stoppedBy)}` : "-# done";
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
  const label = `**${sideLabel(view.side)}** · \`${oneLine(view.modelName, 80).replace(/`/g, "'")}\` · ${sideMethod(view.side)}`;
  return pieces.map((piece, index) => {
    const head = index === 0 ? label : `-# ${sideLabel(view.side)}, continued (${index + 1}/${pieces.length})`;
    const tail = index === pieces.length - 1 ? `\n${statusLine(view)}` : "";
    const content = `${head}\n${piece}${tail}`;
    return content.length <= MESSAGE_LIMIT ? content : content.slice(0, MESSAGE_LIMIT);
  });
}
