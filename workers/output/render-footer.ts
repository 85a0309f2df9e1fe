import { escapeMarkdown } from "discord.js";
import { visibleToken } from "./visible-token.js";
import type { NextToken } from "../engine/engine.js";

/** One model's expectation after the prompt, for the footer's text version of the chart. */
export interface ExpectedNext {
  label: string;
  tokens: readonly NextToken[];
}

export interface FooterView {
  /** A comparison members vote on. */
  votable: boolean;
  /** A comparison that would take votes, but a member pressed Stop: it takes none, and says why. */
  stopped?: boolean;
  blind: boolean;
  /** The likeliest next tokens per panel of the chart, or null where there is no chart. */
  expected: readonly ExpectedNext[] | null;
  /** The chart could not be attached (the bot lacks Attach Files). */
  chartMissing?: boolean;
}

/** How many tokens per model the text version lists (the chart shows more). */
const LISTED = 3;

function percent(p: number): string {
  if (p >= 0.995) return `${(p * 100).toFixed(0)}%`;
  return p < 0.001 ? "<0.1%" : `${(p * 100).toFixed(1)}%`;
}

/** The first tokens and their share, then what all the others share (the probabilities are not renormalised). */
function tokenList(tokens: readonly NextToken[]): string {
  const first = tokens.slice(0, LISTED);
  const listed = first.map((t) => `\`${visibleToken(t.text).replace(/`/g, "'")}\` ${percent(t.probability)}`);
  if (listed.length === 0) return "(nothing)";
  const others = 1 - first.reduce((sum, t) => sum + t.probability, 0);
  if (others >= 0.001) listed.push(`all others ${percent(others)}`);
  return listed.join(" · ");
}

/** The message under a result's outputs: the chart's text version, the vote prompt, and the buttons' purpose. */
export function renderFooter(view: FooterView): string {
  const lines: string[] = [];
  if (view.expected !== null) {
    lines.push(
      "📊 **What each model expected next**, right after the prompt: the likeliest next tokens, with the model's own probabilities at temperature 1, nothing cut off.",
    );
    for (const panel of view.expected) lines.push(`-# ${escapeMarkdown(panel.label)}: ${tokenList(panel.tokens)}`);
    if (view.chartMissing)
      lines.push("-# (The chart needs the **Attach Files** permission here; an admin can grant it.)");
  }
  if (view.stopped) {
    lines.push(
      view.blind
        ? "⏹️ **No votes on this one:** it was stopped before the end, and a cut-off answer is no fair test. Run `/compare` again to vote; **Show the exact prompts** tells you which model was which."
        : "⏹️ **No votes on this one:** it was stopped before the end, and a cut-off answer is no fair test. Run `/compare` again to vote.",
    );
  }
  if (view.votable) {
    lines.push(
      view.blind
        ? "🗳️ **Which answer is better?** Vote to see which model wrote which. One vote per member; press another button to change it."
        : "🗳️ **Which answer is better?** One vote per member; press another button to change it. Votes feed `/leaderboard`.",
    );
  }
  lines.push(
    "-# 🔍 **Show the exact prompts** shows, only to you, exactly what each model was given, special tokens included.",
  );
  return lines.join("\n");
}
