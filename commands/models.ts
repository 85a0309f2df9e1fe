import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { renderModels } from "../src/gateway/render-models.js";
import { onlineWorkers } from "../src/shared/store/worker-registry.js";
import { redisCall } from "../src/gateway/redis-call.js";

export default {
  data: new SlashCommandBuilder()
    .setName("models")
    .setDescription("The loaded base and instruct models: size, quantization, context, chat template, backend, queue")
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, { redis, config, queue, log, metrics }) {
    await interaction.deferReply();
    const [workers, counts] = await redisCall(
      () =>
        Promise.all([
          onlineWorkers(redis, config.redis.prefix),
          queue.getJobCounts("waiting", "prioritized", "active", "delayed"),
        ]),
      { log, metrics },
      "The queue is unavailable right now, so I cannot tell which workers are online. Please try again in a minute.",
    );
    await interaction.editReply({
      embeds: renderModels(workers, {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
      }),
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
