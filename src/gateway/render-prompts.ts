import type { APIEmbed } from "discord.js";
import { oneLine, sideLabel } from "../shared/labels.js";
import type { Side } from "../shared/jobs.js";
import type { ResultRecord } from "../shared/store/results.js";

/** Room for all embeds of one reply (Discord allows 6000 characters in all). */
const EMBEDS_BUDGET = 5600;

/** Code-block text that cannot close its block early. */
function fenced(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, "`\u200b``")}\n\`\`\``;
}

/** `text` cut to `max` characters by leaving out its middle (the end of a prompt is where the model starts). */
function middleCut(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - 40);
  const head = Math.floor(keep / 3);
  return `${text.slice(0, head)}\n… (${text.length - keep} characters left out) …\n${text.slice(text.length - (keep - head))}`;
}

/** One embed per side: how it was prompted, its token count and special tokens, and the exact input. */
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
    const specials =
      input.specialTokens.length > 0
        ? `Special tokens: ${input.specialTokens.map((t) => `\`${t.text.replace(/`/g, "'")}\` ×${t.count}`).join(", ")}`
        : "No special tokens.";
    const head = `${how}\n**${input.tokens} tokens.** ${specials}\n`;
    const room = Math.min(4000, budget) - head.length - 10;
    return { title, description: head + fenced(middleCut(input.text, Math.max(100, room))) };
  });
}
