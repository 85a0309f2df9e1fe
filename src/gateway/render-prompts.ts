import type { APIEmbed } from "discord.js";
import { oneLine, sideLabel } from "../shared/labels.js";
import type { PromptSeen, Side } from "../shared/jobs.js";
import type { ResultRecord } from "../shared/store/results.js";

/** Room for all embeds of one reply (Discord allows 6000 characters in all). */
const EMBEDS_BUDGET = 5600;
/** Special tokens in the input are drawn bold cyan (an `ansi` code block); plain text keeps the default colour. */
const SPECIAL_ON = "\u001b[1;36m";
const SPECIAL_OFF = "\u001b[0m";

type Part = NonNullable<PromptSeen["parts"]>[number];

/** Code-block text that cannot close its block early, nor colour itself (an escape character shows as "␛"). */
function safe(text: string): string {
  return text.replace(/```/g, "`\u200b``").replaceAll("\u001b", "␛");
}

/** Where `max` characters of `length` are kept, leaving out the middle (the end of a prompt is where the model starts). */
function middleCut(length: number, max: number): { head: number; tail: number } | null {
  if (length <= max) return null;
  const keep = Math.max(0, max - 40);
  const head = Math.floor(keep / 3);
  return { head, tail: keep - head };
}

/** The characters [start, end) of the parts' joined text, still in parts. */
function sliceParts(parts: readonly Part[], start: number, end: number): Part[] {
  const out: Part[] = [];
  let at = 0;
  for (const part of parts) {
    const from = Math.max(start, at);
    const to = Math.min(end, at + part.text.length);
    if (from < to) out.push({ text: part.text.slice(from - at, to - at), special: part.special });
    at += part.text.length;
  }
  return out;
}

/** The input as a code block of at most `max` characters: special tokens in colour, plain text as typed. */
function partsBlock(parts: readonly Part[], max: number): string {
  const draw = (kept: readonly Part[]) =>
    kept.map((part) => (part.special ? `${SPECIAL_ON}${safe(part.text)}${SPECIAL_OFF}` : safe(part.text))).join("");
  const length = parts.reduce((sum, part) => sum + part.text.length, 0);
  // The colour codes take room too: cut more until the block fits.
  for (let limit = max; ;) {
    const cut = middleCut(length, limit);
    const body = cut
      ? `${draw(sliceParts(parts, 0, cut.head))}\n… (${length - cut.head - cut.tail} characters left out) …\n${draw(sliceParts(parts, length - cut.tail, length))}`
      : draw(parts);
    const block = `\`\`\`ansi\n${body}\n\`\`\``;
    if (block.length <= max || limit <= 100) return block;
    limit -= block.length - max;
  }
}

/** The input as a plain code block: results stored before special tokens were told apart from text. */
function plainBlock(text: string, max: number): string {
  const cut = middleCut(text.length, max);
  const body = cut
    ? `${text.slice(0, cut.head)}\n… (${text.length - cut.head - cut.tail} characters left out) …\n${text.slice(text.length - cut.tail)}`
    : text;
  return `\`\`\`\n${body.replace(/```/g, "`\u200b``")}\n\`\`\``;
}

const tokenList = (tokens: readonly { text: string; count: number }[]) =>
  tokens.map((t) => `\`${t.text.replace(/`/g, "'")}\` ×${t.count}`).join(", ");

/** What the special tokens are, and which text only looks like one. */
function specialsText(input: PromptSeen): string {
  if (input.specialTokens.length === 0) return "No special tokens.";
  if (input.parts === undefined) return `Special tokens: ${tokenList(input.specialTokens)}`;
  const lines = [
    `Special tokens, in colour below (only the template and the tokenizer put them in): ${tokenList(input.specialTokens)}`,
  ];
  if (input.lookAlikes !== undefined && input.lookAlikes.length > 0) {
    lines.push(
      `⚠️ Plain text that only looks like a special token: ${tokenList(input.lookAlikes)}. Typed characters stay characters: the model does not read them as the token.`,
    );
  }
  return lines.join("\n");
}

/**
 * One embed per side: how it was prompted, its token count and special tokens, and the exact input, in which the
 * special tokens the template or the tokenizer added are coloured and text typed to look like them is not.
 */
export function promptEmbeds(record: ResultRecord): APIEmbed[] {
  const sides = record.order.filter((side): side is Side => record.sides[side] !== undefined);
  const budget = Math.floor(EMBEDS_BUDGET / Math.max(1, sides.length));
  return sides.map((side) => {
    const stored = record.sides[side];
    const input = stored?.input;
    const title = oneLine(`${sideLabel(side)} · ${stored?.model ?? ""}`, 256);
    if (!input) return { title, description: "The exact input was not recorded for this result." };
    const how = input.template
      ? `Through the chat template (${input.template}), system prompt included.`
      : "Raw text: no template, no system prompt.";
    const head = `${how}\n**${input.tokens} tokens.** ${specialsText(input)}\n`;
    const room = Math.max(100, Math.min(4000, budget) - head.length - 10);
    const block = input.parts ? partsBlock(input.parts, room) : plainBlock(input.text, room);
    return { title, description: head + block };
  });
}
