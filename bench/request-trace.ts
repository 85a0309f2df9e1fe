import { escapeMarkdown } from "discord.js";
import type { FakeDiscord, FakeMessage } from "../test/support/fake-discord/index.js";
import { sideLabel } from "../src/shared/labels.js";
import type { RawSide } from "./raw-pair.js";

/** One side of a request as Discord showed it, with times in ms after the request's dispatch. */
export interface SideTrace {
  side: RawSide;
  /** Dispatch → the first request (create or edit) whose content shows generated text. */
  firstTextMs: number | null;
  /** Dispatch → the side's last message shows its final stats line. */
  finalMs: number;
  /** Epoch ms of that final request. */
  finalAt: number;
  /** From the stats line: tokens generated, the worker's tok/s and time to first token, why it stopped. */
  stats: { tokens: number; tokensPerSecond: number | null; firstTokenMs: number | null; stopped: string } | null;
  /** Output messages the side used. */
  messages: number;
}

/** What one request looked like from Discord's side. */
export interface RequestTrace {
  interactionId: string;
  /** Epoch ms of the INTERACTION_CREATE dispatch. */
  dispatchedAt: number;
  /** Dispatch → initial interaction callback (the deferral). */
  ackMs: number | null;
  /** Dispatch → the first output message exists. */
  outputCreatedMs: number;
  /** Dispatch → the last side's final stats line. */
  finalMs: number;
  finalAt: number;
  sides: SideTrace[];
}

const STATS = /-# (\d+) tokens? · ([\d.]+|–) tok\/s · first token (?:(\d+) ms|–) · stopped: (.+)$/m;

/** Each content a message has had, with the epoch ms it appeared (the create, then every edit). */
export function contentTimeline(message: FakeMessage): { at: number; content: string }[] {
  // The fake records the content an edit replaced, stamped with the edit's time.
  const history = message.editHistory;
  return [
    { at: message.createdAt, content: history[0]?.content ?? message.content },
    ...history.map((h, i) => ({ at: h.at, content: history[i + 1]?.content ?? message.content })),
  ];
}

/** The body of an output message: without its label (first) line and its status (last, "-# …") lines. */
function body(content: string): string {
  const lines = content.split("\n").slice(1);
  while (lines.at(-1)?.startsWith("-# ")) lines.pop();
  return lines.join("\n");
}

/** Parses the stats line "-# N tokens · R tok/s · first token T ms · stopped: …". */
export function parseStats(content: string): SideTrace["stats"] {
  const match = STATS.exec(content);
  if (!match) return null;
  const [, tokens, rate, ttft, stopped] = match;
  return {
    tokens: Number(tokens),
    tokensPerSecond: rate === undefined || rate === "–" ? null : Number(rate),
    firstTokenMs: ttft === undefined ? null : Number(ttft),
    stopped: stopped ?? "",
  };
}

/** Whether a message is one of `side`'s output messages: its first line is the side's label or "continued" line. */
function isSideMessage(message: FakeMessage, side: RawSide): boolean {
  const head = message.content.split("\n", 1)[0] ?? "";
  const name = sideLabel(side);
  return head.startsWith(`**${name}** · `) || head.startsWith(`-# ${name}, continued`);
}

/** A side's trace, or null until its last message shows "stopped: ". */
function traceSide(messages: readonly FakeMessage[], side: RawSide, prompt: string, dispatchedAt: number) {
  const outputs = messages.filter((m) => isSideMessage(m, side));
  const first = outputs[0];
  const last = outputs.at(-1);
  if (!first || !last || !/\n-# .*stopped: /.test(last.content)) return null;
  const finalAt = contentTimeline(last).find((v) => v.content.includes("stopped: "))?.at ?? last.editedAt ?? 0;
  // A raw side shows the prompt in bold before the generated text; the instruct side shows only its answer.
  const shown = escapeMarkdown(prompt);
  const before = side === "base" && prompt.trim() !== "" ? `**${shown}**`.length : 0;
  const firstTextAt = contentTimeline(first).find((v) => body(v.content).length > before)?.at ?? null;
  const trace: SideTrace = {
    side,
    firstTextMs: firstTextAt === null ? null : firstTextAt - dispatchedAt,
    finalMs: finalAt - dispatchedAt,
    finalAt,
    stats: parseStats(last.content),
    messages: outputs.length,
  };
  return { trace, createdAt: first.createdAt };
}

/**
 * Traces interaction `id` through the fake's records: its acknowledgement, and for each of `sides` its output
 * messages (in its thread, or in place) and their edit history. Null until every side shows its stats line.
 */
export function traceRequest(
  fake: FakeDiscord,
  id: string,
  sides: readonly RawSide[],
  prompt: string,
): RequestTrace | null {
  const ix = fake.interaction(id);
  const channelId = ix.originalMessage?.threadId ?? (ix.originalMessage ? ix.channelId : null);
  if (channelId === null) return null;
  const messages = fake
    .messages(channelId)
    .filter((m) => m.author.id === fake.botUser.id && m.interactionId === null && m.createdAt >= ix.dispatchedAt);
  const traced = sides.map((side) => traceSide(messages, side, prompt, ix.dispatchedAt));
  if (traced.some((t) => t === null)) return null;
  const done = traced as { trace: SideTrace; createdAt: number }[];
  const finalAt = Math.max(...done.map((d) => d.trace.finalAt));
  return {
    interactionId: id,
    dispatchedAt: ix.dispatchedAt,
    ackMs: ix.acknowledgedAfterMs,
    outputCreatedMs: Math.min(...done.map((d) => d.createdAt)) - ix.dispatchedAt,
    finalMs: finalAt - ix.dispatchedAt,
    finalAt,
    sides: done.map((d) => d.trace),
  };
}
