import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { preferenceRows, toJsonl, voteTotals } from "../src/shared/preferences/export.js";
import { adoptLegacyComparisons } from "../src/shared/store/adopt-legacy.js";
import { loadVotedComparisons } from "../src/shared/store/results.js";

/** The most a bot may attach without a boosted server (Discord's limit is 10 MiB; keep a margin). */
const MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024;

export default {
  data: new SlashCommandBuilder()
    .setName("export-preferences")
    .setDescription("Admins: this server's votes as preference pairs (JSONL: prompt, chosen, rejected), ready for DPO")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),
  async execute(interaction, { redis, config, log }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await adoptLegacyComparisons(redis, config.redis.prefix, config.retention);
    const comparisons = await loadVotedComparisons(redis, config.redis.prefix, { guildId: interaction.guildId });
    const rows = preferenceRows(comparisons);
    const votes = voteTotals(comparisons);
    const counted = `${votes.blind} blind and ${votes.labelled} labelled vote${votes.labelled === 1 ? "" : "s"}, apart in each row's \`metadata\` (\`blindVotes\`, \`labelledVotes\`)`;
    if (rows.length === 0) {
      await interaction.editReply(
        `No preference pairs yet: ${comparisons.length} comparison${comparisons.length === 1 ? "" : "s"} stored, none with more votes for one side than the other. Members vote with the buttons under each /compare.`,
      );
      return;
    }
    const data = Buffer.from(toJsonl(rows), "utf8");
    log.info({ rows: rows.length, bytes: data.length }, "preferences exported");
    if (data.length > MAX_ATTACHMENT_BYTES) {
      await interaction.editReply(
        `${rows.length} preference pairs make ${(data.length / 2 ** 20).toFixed(1)} MiB, more than Discord lets a bot attach. On the bot's machine, run \`npm run export-preferences -- --guild ${interaction.guildId ?? ""} --out preferences.jsonl\`.`,
      );
      return;
    }
    const date = new Date().toISOString().slice(0, 10);
    await interaction.editReply({
      content: `${rows.length} preference pair${rows.length === 1 ? "" : "s"} from ${comparisons.length} comparisons: one JSON object per line with \`prompt\`, \`chosen\`, \`rejected\` and \`metadata\` (TRL's DPOTrainer reads the first three). ${counted}; stopped comparisons are left out.`,
      files: [{ attachment: data, name: `preferences-${interaction.guildId ?? "dm"}-${date}.jsonl` }],
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
