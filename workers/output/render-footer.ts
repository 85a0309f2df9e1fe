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

function tokenList(tokens: readonly NextToken[]): string {
  const listed = tokens
    .slice(0, LISTED)
    .map((t) => `\`${visibleToken(t.text).replace(/`/g, "'")}\` ${percent(t.probability)}`);
  return listed.length > 0 ? listed.join(" · ") : "(nothing)";
}

/** The message under a result's outputs: the chart's text version, the vote prompt, and the buttons' purpose. */
export function renderFooter(view: FooterView): string {
  const lines: string[] = [];
  if (view.expected !== null) {
    lines.push("📊 **What each model expected next**, right after the prompt (the likeliest next tokens):");
    for (const panel of view.expected) lines.push(`-# ${escapeMarkdown(panel.label)}: ${tokenList(panel.tokens)}`);
    if (view.chartMissing)
      lines.push("-# (The chart needs the **Attach Files** permission here; an admin can grant it.)");
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
