/** Where a model's text starts a turn nobody asked for: a new speaker, or a new question. */
export type InventedTurn = { kind: "speaker"; marker: string; index: number } | { kind: "question"; index: number };

/**
 * Speaker labels at the start of a line, as transcripts, chat logs, Q&A pages and scripts write them:
 * "User:", "Q:", "Assistant:", "Human:", "Alice:". At most three words before the colon, each capitalised.
 */
const SPEAKER = /^[ \t>*_]*((?:[A-Z][\w'.-]{0,20})(?: [A-Z][\w'.-]{0,20}){0,2})[*_]*:[*_]*(?=\s|$)/;
/** Label-like words that are not speakers. */
const NOT_SPEAKERS = new Set(["Note", "Example", "Answer", "Output", "Input", "Step", "Warning", "Http", "Https"]);

/**
 * Finds the first line of `text` after its first line that opens a new turn: a speaker label, or a
 * question (a line ending in "?"). The first line is the model's own reply and is never counted.
 */
export function findInventedTurn(text: string): InventedTurn | null {
  const lines = text.split("\n");
  let index = (lines[0] ?? "").length + 1;
  for (const line of lines.slice(1)) {
    const speaker = SPEAKER.exec(line);
    if (speaker?.[1] !== undefined && !NOT_SPEAKERS.has(speaker[1])) {
      return { kind: "speaker", marker: `${speaker[1]}:`, index };
    }
    if (/\?\s*$/.test(line) && line.trim().length > 3) return { kind: "question", index };
    index += line.length + 1;
  }
  return null;
}
