import { MessageFlags, PermissionFlagsBits, type APIEmbed, type ButtonInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { UserError } from "../shared/errors.js";
import { jobIdFor } from "../shared/jobs.js";
import { releaseLease } from "../shared/store/limits.js";
import { requestStop } from "../shared/store/stop-requests.js";
import { redisCall } from "./redis-call.js";

const WAITING = new Set(["waiting", "prioritized", "delayed", "waiting-children"]);
const NOT_STOPPED = "The queue could not be reached, so nothing was stopped. Please try again in a moment.";

/**
 * The Stop button: only the member who asked, or one with Manage Messages, may use it. It is acknowledged
 * first; then a job that never started is removed from the queue, and one that is generating (or waiting to
 * be tried again after a failure) is told to stop: its worker finishes the messages with what was generated.
 * The header then says who stopped it and loses the button.
 */
export async function handleStop(
  interaction: ButtonInteraction,
  targetInteractionId: string,
  { queue, redis, config, log, metrics }: CommandContext,
): Promise<void> {
  await interaction.deferUpdate();
  const jobId = jobIdFor(targetInteractionId);
  const found = await redisCall(
    async () => {
      const job = await queue.getJob(jobId);
      return { job, state: job ? await job.getState() : "unknown" };
    },
    { log, metrics },
    NOT_STOPPED,
  );
  const { job, state } = found;
  if (!job || !(WAITING.has(state) || state === "active")) {
    await interaction.editReply({ components: [] });
    await interaction.followUp({ content: "This generation had already finished.", flags: MessageFlags.Ephemeral });
    return;
  }
  const canManage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
  if (interaction.user.id !== job.data.requestedBy.userId && !canManage) {
    throw new UserError("Only the member who asked, or a member with Manage Messages, can stop this.");
  }
  const by =
    interaction.member && "displayName" in interaction.member
      ? interaction.member.displayName
      : interaction.user.displayName;
  // A job with messages already posted (a failed attempt waiting to be tried again) is finished by a worker,
  // which shows who stopped it under the text generated so far; one that never started is simply removed.
  const started = job.attemptsMade > 0 || Object.keys(job.data.target.outputs).length > 0;
  let removed = false;
  await redisCall(
    async () => {
      if (WAITING.has(state) && !started) {
        removed = await job.remove().then(
          () => true,
          () => false, // a worker took it in the meantime: stop it there instead
        );
      }
      if (removed) {
        const { requestedBy, target } = job.data;
        await releaseLease(redis, config.redis.prefix, {
          userId: requestedBy.userId,
          guildId: target.guildId,
          requestId: jobId,
        });
        return;
      }
      await requestStop(redis, config.redis.prefix, { jobId, by });
      // Waiting out a retry's back-off: run it now, so a worker finishes it as stopped at once.
      if (state === "delayed") await job.promote().catch(() => {});
    },
    { log, metrics },
    NOT_STOPPED,
  );
  log.info({ jobId, stoppedBy: interaction.user.id, wasWaiting: removed, state }, "generation stopped");
  const header = interaction.message.embeds[0]?.toJSON();
  const footer = { text: removed ? `Stopped by ${by} before it started.` : `Stopped by ${by}.` };
  const embeds: APIEmbed[] = header ? [{ ...header, footer }] : [];
  await interaction.editReply({ embeds, components: [], allowedMentions: { parse: [] } });
}
