import type { JobKind, Side, SideResult, StopReason } from "../jobs.js";

/** A side's name as people in the server see it. */
export function sideLabel(side: Side): string {
  return side === "base" ? "Base model" : "Instruct model";
}

/** How a side was prompted, in a few words. */
export function sideMethod(side: Side): string {
  return side === "base" ? "raw continuation, no template" : "chat template + system prompt";
}

/** What a command does, for headers. */
export function kindTitle(kind: JobKind): string {
  switch (kind) {
    case "compare":
      return "Base vs instruct";
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
