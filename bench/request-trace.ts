import type { FakeDiscord, FakeMessage } from "../test/support/fake-discord/index.js";

/** What one request looked like from Discord's side, with times in ms after its dispatch. */
export interface RequestTrace {
  interactionId: string;
  /** Epoch ms of the INTERACTION_CREATE dispatch. */
  dispatchedAt: number;
  /** Dispatch → initial interaction callback (the deferral). */
  ackMs: number | null;
  /** Dispatch → the output message exists (worker's first create). */
  outputCreatedMs: number;
  /** Dispatch → the first edit showing generated text (time to first token as a user sees it). */
  firstTextMs: number | null;
  /** Dispatch → the last output message shows its final stats line. */
  finalMs: number;
  /** Epoch ms of that final edit. */
  finalAt: number;
  /** From the stats line: tokens generated, the worker's tok/s and time to first token, why it stopped. */
  stats: { tokens: number; tokensPerSecond: number | null; firstTokenMs: number | null; stopped: string } | null;
  /** Output messages the side used. */
  messages: number;
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

/** The footer a worker posts under a finished result (chart, buttons) is not an output message. */
const isFooter = (message: FakeMessage) => JSON.stringify(message.components).includes('"prompts:');

/** Parses the stats line "-# N tokens · R tok/s · first token T ms · stopped: …". */
export function parseStats(content: string): RequestTrace["stats"] {
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

/**
 * Traces interaction `id` through the fake's records: its acknowledgement, the bot's output messages (in
 * its thread, or in place) and their edit history. Null until the last output message shows "stopped: ".
 */
export function traceRequest(fake: FakeDiscord, id: string): RequestTrace | null {
  const ix = fake.interaction(id);
  const channelId = ix.originalMessage?.threadId ?? (ix.originalMessage ? ix.channelId : null);
  if (channelId === null) return null;
  const outputs = fake
    .messages(channelId)
    .filter(
      (m) =>
        m.author.id === fake.botUser.id && m.interactionId === null && m.createdAt >= ix.dispatchedAt && !isFooter(m),
    );
  const first = outputs[0];
  const last = outputs.at(-1);
  if (!first || !last || !/\n-# .*stopped: /.test(last.content)) return null;
  const finalAt = contentTimeline(last).find((v) => v.content.includes("stopped: "))?.at ?? last.editedAt ?? 0;
  const firstTimeline = contentTimeline(first);
  const emptyBody = body(firstTimeline[0]?.content ?? "").length;
  const firstTextAt = firstTimeline.find((v) => body(v.content).length > emptyBody)?.at ?? null;
  return {
    interactionId: id,
    dispatchedAt: ix.dispatchedAt,
    ackMs: ix.acknowledgedAfterMs,
    outputCreatedMs: first.createdAt - ix.dispatchedAt,
    firstTextMs: firstTextAt === null ? null : firstTextAt - ix.dispatchedAt,
    finalMs: finalAt - ix.dispatchedAt,
    finalAt,
    stats: parseStats(last.content),
    messages: outputs.length,
  };
}
