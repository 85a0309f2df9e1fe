import { MessageFlags, PermissionFlagsBits, type APIEmbed, type ButtonInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { UserError } from "../shared/errors.js";
import { jobIdFor } from "../shared/jobs.js";
import { releaseLease } from "../shared/store/limits.js";
import { requestStop } from "../shared/store/stop-requests.js";

const WAITING = new Set(["waiting", "prioritized", "delayed", "waiting-children"]);

/**
 * The Stop button: only the member who asked, or one with Manage Messages, may use it. A waiting job is
 * removed from the queue; an active one is told to stop (its worker aborts within a moment and finishes
 * the messages with what was generated). The header then says who stopped it and loses the button.
 */
export async function handleStop(
  interaction: ButtonInteraction,
  targetInteractionId: string,
  { queue, redis, config, log }: CommandContext,
): Promise<void> {
  const jobId = jobIdFor(targetInteractionId);
  const job = await queue.getJob(jobId);
  const state = job ? await job.getState() : "unknown";
  if (!job || !(WAITING.has(state) || state === "active")) {
    await interaction.update({ components: [] });
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
  let removed = false;
  if (WAITING.has(state)) {
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
  } else {
    await requestStop(redis, config.redis.prefix, { jobId, by });
  }
  log.info({ jobId, stoppedBy: interaction.user.id, wasWaiting: removed }, "generation stopped");
  const header = interaction.message.embeds[0]?.toJSON();
  const footer = { text: removed ? `Stopped by ${by} before it started.` : `Stopped by ${by}.` };
  const embeds: APIEmbed[] = header ? [{ ...header, footer }] : [];
  await interaction.update({ embeds, components: [], allowedMentions: { parse: [] } });
}
