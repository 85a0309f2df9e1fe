import { modelOf, type JobKind, type Side, type SideResult, type StopReason } from "./jobs.js";
import { findInventedTurn } from "./invented-turn.js";

/** A side's name as people in the server see it. */
export function sideLabel(side: Side): string {
  switch (side) {
    case "base":
      return "Base model";
    case "baseChat":
      return "Base model + chat template";
    case "instructRaw":
      return "Instruct model, raw";
    case "instruct":
      return "Instruct model";
  }
}

/** How a side was prompted, in a few words. */
export function sideMethod(side: Side): string {
  switch (side) {
    case "base":
    case "instructRaw":
      return "raw continuation, no template";
    case "baseChat":
      return "the instruct model's chat template, base weights";
    case "instruct":
      return "chat template + system prompt";
  }
}

/** What a command does, for headers. */
export function kindTitle(kind: JobKind, matrix = false): string {
  switch (kind) {
    case "compare":
      return matrix ? "Base vs instruct, with and without the chat template" : "Base vs instruct";
    case "ask":
      return "Instruct model";
    case "complete":
      return "Base model";
  }
}

/** Why a side stopped, in words. */
export function stopReasonText(reason: StopReason, maxTokens: number, stoppedBy?: string): string {
  switch (reason) {
    case "endOfTurn":
      return "end of turn";
    case "tokenLimit":
      return `token limit (${maxTokens})`;
    case "stopSequence":
      return "stop sequence";
    case "aborted":
      return stoppedBy === undefined ? "stopped early" : `${stoppedBy} pressed Stop`;
  }
}

/**
 * Why a side stopped, explained for someone who has never heard of instruction tuning: the end-of-turn
 * token, the token limit a base model always runs into, a stop sequence, and a new speaker or question
 * the model invented on its own.
 */
export function stopExplanation(
  side: Side,
  result: Pick<SideResult, "stopReason" | "text" | "endToken" | "stopSequence">,
  maxTokens: number,
  stoppedBy?: string,
): string {
  const base = modelOf(side) === "base";
  let why: string;
  switch (result.stopReason) {
    case "endOfTurn":
      why = base
        ? `It wrote its end-of-text token${tokenName(result.endToken)}: the end of a document, not of a turn.`
        : `It ended its turn: it wrote its end-of-turn token${tokenName(result.endToken)}, which it learned in instruction tuning.`;
      break;
    case "tokenLimit":
      why = base
        ? `It ran into the ${maxTokens}-token limit: a base model has no idea of a turn, so it would have kept going.`
        : `It ran into the ${maxTokens}-token limit before it ended its turn.`;
      break;
    case "stopSequence":
      why = `It reached the stop sequence${tokenName(result.stopSequence)}, where the bot cut it off: the model was about to write the next question itself.`;
      break;
    case "aborted":
      why = stoppedBy === undefined ? "It was stopped early." : `${stoppedBy} pressed Stop.`;
      break;
  }
  // A templated instruct answer may format a dialogue or a FAQ on purpose; a raw or base side is continuing a text.
  const invented = side === "instruct" ? null : findInventedTurn(result.text);
  if (invented?.kind === "speaker") {
    why += ` Along the way it invented a new speaker (\`${invented.marker}\`): it is continuing a transcript, not answering you.`;
  } else if (invented?.kind === "question") {
    why +=
      " Along the way it started asking new questions of its own: it is continuing a list of questions, not answering yours.";
  }
  return why;
}

function tokenName(token: string | undefined): string {
  return token === undefined || token.trim() === ""
    ? ""
    : ` \`${JSON.stringify(token).slice(1, -1).replace(/`/g, "'")}\``;
}

/** The stats line under a finished side: tokens, tokens/s, time to first token, why it stopped. */
export function statsText(result: SideResult, maxTokens: number, stoppedBy?: string): string {
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? (result.tokens / seconds).toFixed(1) : "–";
  const ttft = result.timeToFirstTokenMs === null ? "–" : `${result.timeToFirstTokenMs} ms`;
  const tokens = `${result.tokens} token${result.tokens === 1 ? "" : "s"}`;
  return `${tokens} · ${rate} tok/s · first token ${ttft} · stopped: ${stopReasonText(result.stopReason, maxTokens, stoppedBy)}`;
}

/** Shortens `text` to `max` characters with an ellipsis, on one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
