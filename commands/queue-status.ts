import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { redisCall } from "../src/gateway/redis-call.js";
import { FAILED_JOBS_KEPT } from "../src/shared/jobs.js";

export default {
  data: new SlashCommandBuilder()
    .setName("queue-status")
    .setDescription("Admins: requests waiting and generating, workers online, and the limits in force")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),
  async execute(interaction, { queue, config, log, metrics }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const [counts, workers] = await redisCall(
      () =>
        Promise.all([queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed"), queue.getWorkers()]),
      { log, metrics },
      "The queue is unavailable right now. Please try again in a minute.",
    );
    const { cooldownMs, userMaxInFlight, guildMaxInFlight } = config.limits;
    const lines = [
      `**Queue** ${(counts.waiting ?? 0) + (counts.prioritized ?? 0)} waiting · ${counts.active ?? 0} generating · ${counts.delayed ?? 0} retrying later · ${counts.failed ?? 0} failed (the last ${FAILED_JOBS_KEPT} kept, for 7 days at most)`,
      `**Workers online** ${workers.length}`,
      `**Limits** ${cooldownMs / 1000} s between a member's requests · ${userMaxInFlight} at once per member · ${guildMaxInFlight} at once per server`,
    ];
    await interaction.editReply({ content: lines.join("\n"), allowedMentions: { parse: [] } });
  },
} satisfies Command;
