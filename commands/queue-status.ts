import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";

export default {
  data: new SlashCommandBuilder()
    .setName("queue-status")
    .setDescription("Admins: requests waiting and generating, workers online, and the limits in force")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),
  async execute(interaction, { queue, config }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const [counts, workers] = await Promise.all([
      queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed"),
      queue.getWorkers(),
    ]);
    const { cooldownMs, userMaxInFlight, guildMaxInFlight } = config.limits;
    const lines = [
      `**Queue** ${(counts.waiting ?? 0) + (counts.prioritized ?? 0)} waiting · ${counts.active ?? 0} generating · ${counts.delayed ?? 0} retrying later · ${counts.failed ?? 0} failed (kept 7 days)`,
      `**Workers online** ${workers.length}`,
      `**Limits** ${cooldownMs / 1000} s between a member's requests · ${userMaxInFlight} at once per member · ${guildMaxInFlight} at once per server`,
    ];
    await interaction.editReply({ content: lines.join("\n"), allowedMentions: { parse: [] } });
  },
} satisfies Command;
