import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { renderModels } from "../src/gateway/render-models.js";
import { onlineWorkers } from "../src/shared/store/worker-registry.js";

export default {
  data: new SlashCommandBuilder()
    .setName("models")
    .setDescription("The loaded base and instruct models: size, quantization, context, chat template, backend, queue")
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, { redis, config, queue }) {
    await interaction.deferReply();
    const [workers, counts] = await Promise.all([
      onlineWorkers(redis, config.redis.prefix),
      queue.getJobCounts("waiting", "prioritized", "active", "delayed"),
    ]);
    await interaction.editReply({
      embeds: renderModels(workers, {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
      }),
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
