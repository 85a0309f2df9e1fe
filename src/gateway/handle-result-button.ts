import { MessageFlags, type ButtonInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { oneLine, sideLabel, stopExplanation } from "../shared/labels.js";
import { voteNames, voteText, type ResultButton } from "../shared/result-buttons.js";
import { UserError } from "../shared/errors.js";
import { jobIdFor } from "../shared/jobs.js";
import type { VoteChoice } from "../shared/preferences/types.js";
import { isVotable, loadResult, type ResultRecord } from "../shared/store/results.js";
import { castVote, voteOf } from "../shared/store/votes.js";
import { promptEmbeds } from "./render-prompts.js";

/**
 * The buttons under a finished result: "Show the exact prompts" (ephemeral, for whoever presses it) and
 * the four vote buttons of a comparison (one vote per member, replaced by a later press).
 */
export async function handleResultButton(
  interaction: ButtonInteraction,
  button: ResultButton,
  { redis, config, queue, log }: CommandContext,
): Promise<void> {
  const id = jobIdFor(button.interactionId);
  const record = await loadResult(redis, config.redis.prefix, id);
  if (record === null) {
    const job = await queue.getJob(id);
    throw new UserError(
      job && !(await job.isCompleted())
        ? "This result has not finished yet. Try again once both answers are final."
        : "This result is no longer stored (answers other than comparisons are kept for 30 days).",
    );
  }
  if (button.action === "vote") {
    if (!isVotable(record)) throw new UserError("Votes are for /compare pairs only.");
    const previous = await castVote(redis, config.redis.prefix, id, interaction.user.id, button.choice);
    log.info({ comparisonId: id, choice: button.choice, previous }, "vote recorded");
    await interaction.reply({
      content: voteReply(record, button.choice, previous),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
    return;
  }
  if (record.blind && (await voteOf(redis, config.redis.prefix, id, interaction.user.id)) === null) {
    throw new UserError(
      "This comparison is blind, and the prompts would tell you which model is which. Vote first, then look.",
    );
  }
  await interaction.reply({
    embeds: promptEmbeds(record),
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
}

function voteReply(record: ResultRecord, choice: VoteChoice, previous: VoteChoice | null): string {
  const names = voteNames(record.blind, record.order);
  const change =
    previous === null
      ? ""
      : previous === choice
        ? " (the same as before)"
        : ` (changed from ${voteText(previous, names)})`;
  const lines = [`Your vote: **${voteText(choice, names)}**${change}. Press another button to change it.`];
  if (record.blind) {
    for (const [index, side] of record.order.entries()) {
      const stored = record.sides[side];
      if (!stored) continue;
      const explanation = stopExplanation(side, stored, record.sampling.maxTokens);
      lines.push(
        `**${index === 0 ? "A" : "B"}** was the **${sideLabel(side).toLowerCase()}** \`${oneLine(stored.model, 80)}\`. ${explanation}`,
      );
    }
  }
  lines.push(
    "-# Votes feed `/leaderboard` and become this server's preference data: the human-feedback step of RLHF/DPO, done by you.",
  );
  return lines.join("\n");
}
