import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { renderLeaderboard } from "../src/gateway/render-leaderboard.js";
import { summarizePreferences } from "../src/shared/preferences/leaderboard.js";
import { loadVotedComparisons } from "../src/shared/store/results.js";

export default {
  data: new SlashCommandBuilder()
    .setName("leaderboard")
    .setDescription("Which model members prefer, from the votes under /compare: win rates with confidence intervals")
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, { redis, config }) {
    await interaction.deferReply();
    const comparisons = await loadVotedComparisons(redis, config.redis.prefix, { guildId: interaction.guildId });
    const summary = summarizePreferences(comparisons);
    const scope = interaction.inGuild() ? (interaction.guild?.name ?? "this server") : "direct messages";
    await interaction.editReply({ embeds: [renderLeaderboard(summary, scope)], allowedMentions: { parse: [] } });
  },
} satisfies Command;
