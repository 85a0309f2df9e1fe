import { MessageFlags, type ButtonInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { UserError } from "../shared/errors.js";
import { jobIdFor } from "../shared/jobs.js";
import { adoptLegacyComparisons } from "../shared/store/adopt-legacy.js";
import { DAY_MS } from "../shared/store/retention.js";
import { loadResult, voteRefusal, wasStopped } from "../shared/store/results.js";
import { castVote, voteOf } from "../shared/store/votes.js";
import type { ResultButton } from "../shared/result-buttons.js";
import { promptEmbeds } from "./render-prompts.js";
import { redisCall } from "./redis-call.js";
import { revealLines, voteReply } from "./vote-reply.js";

const days = (ms: number) => `${Math.round(ms / DAY_MS)} day${Math.round(ms / DAY_MS) === 1 ? "" : "s"}`;

/**
 * The buttons under a finished result: "Show the exact prompts" (ephemeral, for whoever presses it) and
 * the four vote buttons of a comparison (one vote per member, replaced by a later press). Acknowledged before
 * anything waits on Redis, so a slow Redis never misses Discord's 3 s, and a replayed press changes nothing.
 */
export async function handleResultButton(
  interaction: ButtonInteraction,
  button: ResultButton,
  { redis, config, queue, log, metrics }: CommandContext,
): Promise<void> {
  const { prefix } = config.redis;
  const { retention } = config;
  // Acknowledged before anything waits on Redis; every answer is private.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const id = jobIdFor(button.interactionId);
  const unavailable = "The result store is unavailable right now. Please try again in a minute.";
  const record = await redisCall(() => loadResult(redis, prefix, id), { log, metrics }, unavailable);
  if (record === null) {
    const job = await redisCall(() => queue.getJob(id), { log, metrics }, unavailable);
    throw new UserError(
      job && !(await job.isCompleted())
        ? "This result has not finished yet. Try again once both answers are final."
        : `This result is no longer stored: results are kept for ${days(retention.resultMs)}, comparisons with votes for ${days(retention.voteMs)}.`,
    );
  }
  if (button.action === "vote") {
    // Votes stored by an earlier version are counted into the tally first, so this one is not counted twice.
    await redisCall(() => adoptLegacyComparisons(redis, prefix, retention), { log, metrics }, unavailable);
    const refusal = voteRefusal(record, retention);
    if (refusal !== null) throw new UserError(refusalText(refusal, retention.voteMs));
    const change = await redisCall(
      () => castVote(redis, prefix, record, interaction.user.id, button.choice, retention),
      { log, metrics },
      "Your vote could not be recorded: the vote store is unavailable right now. Please try again in a minute.",
    );
    log.info(
      {
        comparisonId: id,
        choice: button.choice,
        previous: change.previous?.choice ?? null,
        labelledAfterReveal: change.current?.seen ?? false,
      },
      "vote recorded",
    );
    await interaction.editReply({ content: voteReply(record, button.choice, change), allowedMentions: { parse: [] } });
    return;
  }
  const stopped = wasStopped(record);
  const voted =
    record.blind && !stopped
      ? await redisCall(() => voteOf(redis, prefix, id, interaction.user.id), { log, metrics }, unavailable)
      : true;
  if (voted === null) {
    throw new UserError(
      "This comparison is blind, and the prompts would tell you which model is which. Vote first, then look.",
    );
  }
  await interaction.editReply({
    // A stopped blind comparison takes no votes, so nothing is left to keep blind.
    ...(record.blind && stopped ? { content: revealLines(record).join("\n") } : {}),
    embeds: promptEmbeds(record),
    allowedMentions: { parse: [] },
  });
}

function refusalText(refusal: NonNullable<ReturnType<typeof voteRefusal>>, voteMs: number): string {
  switch (refusal) {
    case "notComparison":
      return "Votes are for /compare pairs only.";
    case "stopped":
      return "This comparison was stopped before the end, so it takes no votes: a cut-off answer is no fair test. Run `/compare` again to vote.";
    case "tooOld":
      return `This comparison is older than the ${days(voteMs)} votes are kept, so it takes no more votes.`;
  }
}
