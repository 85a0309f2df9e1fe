import { sideLabel, sideMethod, statsText, stopExplanation } from "../shared/labels.js";
import { isTemplated, type PromptSeen, type Side } from "../shared/jobs.js";
import type { NextToken } from "../../workers/engine/engine.js";
import { visibleToken } from "../../workers/output/visible-token.js";
import type { SideOutcome } from "./run-job-sides.js";
import { printable, type Style } from "./terminal-text.js";

/** What the terminal shows of one side, as the bot shows it in its messages. */
export interface SideView {
  side: Side;
  modelName: string;
  /** The text a raw side continued (shown before the model's text, in bold, on a terminal with colours). */
  prompt: string;
  maxTokens: number;
  /** Show the exact input under the side (`--prompts`). */
  showInput: boolean;
}

/** The side's title line: which model, and how it was prompted. */
export function sideHead(view: SideView, style: Style): string {
  return `${style.label(sideLabel(view.side))} · ${view.modelName} · ${style.dim(sideMethod(view.side))}`;
}

/** The side's text so far; a raw side's prompt first, in bold, where the terminal can show it apart. */
export function sideBody(view: SideView, text: string, style: Style): string {
  const prompt = style.color && !isTemplated(view.side) ? style.bold(printable(view.prompt)) : "";
  return prompt + printable(text);
}

function percent(p: number): string {
  if (p >= 0.995) return `${(p * 100).toFixed(0)}%`;
  return p < 0.001 ? "<0.1%" : `${(p * 100).toFixed(1)}%`;
}

/** The likeliest next tokens as "␣Paris 62% · ↵ 9.1%". */
export function nextTokensText(tokens: readonly NextToken[]): string {
  return tokens.length === 0
    ? "(nothing)"
    : tokens.map((t) => `${printable(visibleToken(t.text))} ${percent(t.probability)}`).join(" · ");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The exact input, each line behind a bar, special tokens marked. */
export function inputLines(input: PromptSeen, style: Style): string[] {
  const how = input.template
    ? `through the chat template (${input.template}), system prompt included`
    : "raw text: no template, no system prompt";
  const specials =
    input.specialTokens.length > 0
      ? `special tokens: ${input.specialTokens.map((t) => `${printable(t.text)} ×${t.count}`).join(", ")}`
      : "no special tokens";
  const texts = input.specialTokens.map((t) => t.text).sort((a, b) => b.length - a.length);
  const marked =
    texts.length === 0 ? [input.text] : input.text.split(new RegExp(`(${texts.map(escapeRegExp).join("|")})`));
  const text = marked.map((part, i) => (i % 2 === 1 ? style.mark(printable(part)) : printable(part))).join("");
  return [
    `${style.bold("exact input")}: ${input.tokens} tokens · ${how} · ${specials}`,
    ...text.split("\n").map((line) => `${style.dim("│")} ${line}`),
  ];
}

/** The lines under a finished side: the stats and why it stopped, in words, its next tokens, its exact input. */
export function sideFooter(view: SideView, outcome: SideOutcome, style: Style): string[] {
  const { result } = outcome;
  return [
    ...(result.text.trim() === "" ? [style.dim("(the model produced no text)")] : []),
    style.dim(statsText(result, view.maxTokens)),
    `💡 ${stopExplanation(view.side, result, view.maxTokens)}`,
    `${style.bold("expected next")}, right after the ${isTemplated(view.side) ? "chat template" : "prompt"}: ${nextTokensText(outcome.next)}`,
    ...(view.showInput && result.input ? inputLines(result.input, style) : []),
  ];
}
