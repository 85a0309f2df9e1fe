import { InteractionContextType, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { adoptLegacyComparisons } from "../src/shared/store/adopt-legacy.js";
import { forgetMember, type ForgottenCounts } from "../src/shared/store/forget-member.js";

const plural = (count: number, word: string) => `**${count} ${word}${count === 1 ? "" : "s"}**`;

/** What a member reads once their data is gone. */
function forgottenText(counts: ForgottenCounts): string {
  const { votes, results, othersVotes, conversations, turns } = counts;
  if (votes + results + conversations + turns === 0) {
    return "The bot stores nothing about you: no votes, no results you asked for, no conversations.";
  }
  const others =
    othersVotes > 0
      ? ` (with ${othersVotes} vote${othersVotes === 1 ? "" : "s"} other members cast on your comparisons)`
      : "";
  const inOthers = turns > 0 ? `, and ${turns} of your exchanges in /ask threads others started` : "";
  return [
    "Done: the bot no longer stores anything about you.",
    `Deleted ${plural(votes, "vote")}, ${plural(results, "result")} you asked for${others} and ${plural(conversations, "conversation")} (the memory of /ask threads you started${inOthers}).`,
    "-# Your votes left `/leaderboard` at once. The messages in Discord stay: they are Discord's, delete them there if you want them gone.",
  ].join("\n");
}

export default {
  data: new SlashCommandBuilder()
    .setName("forget-me")
    .setDescription("Delete what the bot stores about you: your votes, requests and answers, and conversations")
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  async execute(interaction, { redis, config, log }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await adoptLegacyComparisons(redis, config.redis.prefix, config.retention);
    const counts = await forgetMember(redis, config.redis.prefix, interaction.user.id, config.retention);
    log.info({ ...counts }, "member's data deleted");
    await interaction.editReply({ content: forgottenText(counts), allowedMentions: { parse: [] } });
  },
} satisfies Command;
