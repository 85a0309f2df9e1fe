import { oneLine, sideLabel, statsText, stopExplanation } from "../shared/labels.js";
import type { SideResult } from "../shared/jobs.js";
import type { VoteChoice } from "../shared/preferences/types.js";
import { voteNames, voteText } from "../shared/result-buttons.js";
import type { ResultRecord } from "../shared/store/results.js";
import type { VoteChange } from "../shared/store/votes.js";

/**
 * Which model wrote which side of a comparison, each with its stats (tokens, tokens/s, time to first token, why it
 * stopped) and the explanation of its stop: what a blind comparison keeps from the thread until the member votes.
 */
export function revealLines(record: ResultRecord): string[] {
  const lines: string[] = [];
  for (const [index, side] of record.order.entries()) {
    const stored = record.sides[side];
    if (!stored) continue;
    const result: SideResult = {
      text: stored.text,
      tokens: stored.tokens,
      stopReason: stored.stopReason,
      durationMs: stored.durationMs ?? 0,
      timeToFirstTokenMs: stored.timeToFirstTokenMs ?? null,
    };
    const explanation = stopExplanation(side, stored, record.sampling.maxTokens);
    lines.push(
      `**${index === 0 ? "A" : "B"}** was the **${sideLabel(side).toLowerCase()}** \`${oneLine(stored.model, 80).replace(/`/g, "'")}\`.`,
      `-# ${statsText(result, record.sampling.maxTokens)}`,
      `💡 ${explanation}`,
    );
  }
  return lines;
}

/** The private answer to a vote: the vote (and what it replaced), and on a blind comparison the reveal. */
export function voteReply(record: ResultRecord, choice: VoteChoice, change: VoteChange): string {
  const names = voteNames(record.blind, record.order);
  const { previous, current } = change;
  const before =
    previous === null
      ? ""
      : previous.choice === choice
        ? " (the same as before)"
        : ` (changed from ${voteText(previous.choice, names)})`;
  const lines = [`Your vote: **${voteText(choice, names)}**${before}. Press another button to change it.`];
  if (record.blind && current?.seen === true && previous?.choice !== choice) {
    lines.push(
      "-# You have seen which model is which, so this vote now counts with the labelled votes, not the blind ones.",
    );
  }
  if (record.blind) lines.push(...revealLines(record));
  lines.push(
    "-# Votes feed `/leaderboard` and become this server's preference data: the human-feedback step of RLHF/DPO, done by you.",
  );
  return lines.join("\n");
}
