/** A fence line: three or more backticks at the start of a line, with an optional info string. */
const FENCE = /^ {0,3}(`{3,})([^`\n]*)$/;

interface FenceState {
  /** The opening fence line (e.g. "```python") while inside a code block, else null. */
  open: string | null;
}

/** Walks `text` line by line and returns the fence still open at its end, if any. */
export function openFenceAt(text: string, state: FenceState = { open: null }): string | null {
  let open = state.open;
  for (const line of text.split("\n")) {
    const match = FENCE.exec(line);
    if (!match) continue;
    if (open === null) open = line.trim();
    else if ((match[2] ?? "").trim() === "" && (match[1] ?? "").length >= fenceTicks(open)) open = null;
  }
  return open;
}

function fenceTicks(fenceLine: string): number {
  return /^`+/.exec(fenceLine)?.[0].length ?? 3;
}

/** Where to cut `text` so the piece is at most `limit` chars: a newline, else a space, else hard. */
function cutPoint(text: string, limit: number): number {
  if (text.length <= limit) return text.length;
  const window = text.slice(0, limit);
  const newline = window.lastIndexOf("\n");
  if (newline >= limit / 2) return newline + 1;
  const space = window.lastIndexOf(" ");
  if (space >= limit / 2) return space + 1;
  // Never cut a UTF-16 surrogate pair in half.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/**
 * Splits `text` into pieces of at most `limit` characters. A code block that spans a cut is closed at
 * the end of one piece and reopened (same info string) at the start of the next, so every piece
 * renders on its own (a block still open at the very end is closed too); removing those added fence
 * lines gives back `text` exactly.
 */
export function splitMarkdown(text: string, limit: number): string[] {
  if (limit < 40) throw new RangeError("limit must leave room for code fences");
  const pieces: string[] = [];
  let rest = text;
  let reopen: string | null = null;
  while (rest.length > 0 || pieces.length === 0) {
    const prefix = reopen === null ? "" : `${reopen}\n`;
    // Leave room for a closing fence ("\n" + up to the opening's ticks) in case this piece ends inside a block.
    const reserve = 1 + 16;
    const budget = limit - prefix.length - reserve;
    const cut = cutPoint(rest, budget);
    const body = rest.slice(0, cut);
    rest = rest.slice(cut);
    const open = openFenceAt(body, { open: reopen });
    const closing = open !== null ? `${body.endsWith("\n") ? "" : "\n"}${"`".repeat(fenceTicks(open))}` : "";
    pieces.push(prefix + body + closing);
    reopen = rest.length > 0 ? open : null;
    if (rest.length === 0) break;
  }
  return pieces;
}
