import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { leaderboardSummary, leaderboardWait, startLeaderboardCooldown } from "../src/gateway/leaderboard-summary.js";
import { redisCall } from "../src/gateway/redis-call.js";
import { renderLeaderboard } from "../src/gateway/render-leaderboard.js";
import { UserError } from "../src/shared/errors.js";
import { withTimeout } from "../src/shared/with-timeout.js";

export default {
  data: new SlashCommandBuilder()
    .setName("leaderboard")
    .setDescription("Which model members prefer, from the votes under /compare: blind votes first, with intervals")
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, { redis, config, log, metrics }) {
    const { prefix } = config.redis;
    // The one Redis call before the acknowledgement, bounded well inside Discord's 3 s so that a refusal stays
    // private; where Redis is slow, the cooldown does not apply (the calls after it say so if Redis is down).
    const wait = await withTimeout(leaderboardWait(redis, prefix, interaction.user.id), 300, "Redis").catch(() => 0);
    if (wait > 0) {
      throw new UserError(
        `You just looked at the leaderboard: you can run \`/leaderboard\` again in ${Math.ceil(wait / 1000)} s. It changes only as members vote.`,
      );
    }
    await interaction.deferReply();
    const started = performance.now();
    const { summary, cached } = await redisCall(
      async () => {
        await startLeaderboardCooldown(redis, prefix, interaction.user.id);
        return leaderboardSummary(redis, prefix, interaction.guildId, config.retention);
      },
      { log, metrics },
      "The vote store is unavailable right now. Please try again in a minute.",
    );
    log.debug({ ms: Math.round(performance.now() - started), cached }, "leaderboard summarized");
    const scope = interaction.inGuild() ? (interaction.guild?.name ?? "this server") : "direct messages";
    await interaction.editReply({ embeds: [renderLeaderboard(summary, scope)], allowedMentions: { parse: [] } });
  },
} satisfies Command;
