import {
  ButtonStyle,
  ComponentType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ButtonInteraction,
} from "discord.js";
import type { Command } from "../src/gateway/command.js";
import { adoptLegacyComparisons } from "../src/shared/store/adopt-legacy.js";
import { countGuildData, purgeGuild, type GuildDataCounts, type PurgeScope } from "../src/shared/store/purge-guild.js";

/** How long the admin has to confirm. */
const CONFIRM_MS = 60_000;

const plural = (count: number, word: string) => `**${count} ${word}${count === 1 ? "" : "s"}**`;

/** The part of a guild's data a purge of `scope` deletes, in words. */
function describe(scope: PurgeScope, counts: GuildDataCounts): string {
  const parts: string[] = [];
  if (scope === "everything") parts.push(`${plural(counts.results, "result")} (comparisons and answers)`);
  if (scope !== "conversations") parts.push(`${plural(counts.votes, "vote")} (the leaderboard starts over)`);
  if (scope !== "votes") parts.push(plural(counts.conversations, "conversation"));
  return parts.join(", ");
}

/** Whether a purge of `scope` would find nothing to delete. */
function isEmpty(scope: PurgeScope, counts: GuildDataCounts): boolean {
  const results = scope === "everything" ? counts.results : 0;
  const votes = scope === "conversations" ? 0 : counts.votes;
  const conversations = scope === "votes" ? 0 : counts.conversations;
  return results + votes + conversations === 0;
}

export default {
  data: new SlashCommandBuilder()
    .setName("purge-server-data")
    .setDescription("Admins: delete this server's stored results, votes and conversations (asks to confirm first)")
    .addStringOption((o) =>
      o
        .setName("what")
        .setDescription("What to delete (default: everything)")
        .addChoices(
          { name: "everything: results, votes and conversations", value: "everything" },
          { name: "votes only: the leaderboard starts over", value: "votes" },
          { name: "conversations only", value: "conversations" },
        ),
    )
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),
  async execute(interaction, { redis, config, log }) {
    const { prefix } = config.redis;
    const scope = (interaction.options.getString("what") ?? "everything") as PurgeScope;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await adoptLegacyComparisons(redis, prefix, config.retention);
    const counts = await countGuildData(redis, prefix, interaction.guildId);
    if (isEmpty(scope, counts)) {
      await interaction.editReply("Nothing to delete: this server has none of that stored.");
      return;
    }
    const confirmId = `purge:${interaction.id}:confirm`;
    const question = await interaction.editReply({
      content: `This deletes ${describe(scope, counts)} of this server, for good. Messages in Discord stay. Confirm within a minute.`,
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Danger, custom_id: confirmId, label: "Delete for good" },
            {
              type: ComponentType.Button,
              style: ButtonStyle.Secondary,
              custom_id: `purge:${interaction.id}:cancel`,
              label: "Cancel",
            },
          ],
        },
      ],
      allowedMentions: { parse: [] },
    });
    let click: ButtonInteraction;
    try {
      click = await question.awaitMessageComponent({
        componentType: ComponentType.Button,
        filter: (i) => i.user.id === interaction.user.id && i.customId.startsWith(`purge:${interaction.id}:`),
        time: CONFIRM_MS,
      });
    } catch {
      await interaction.editReply({ content: "Nothing deleted: not confirmed within a minute.", components: [] });
      return;
    }
    if (click.customId !== confirmId) {
      await click.update({ content: "Nothing deleted.", components: [] });
      return;
    }
    await click.update({ content: "Deleting…", components: [] });
    const deleted = await purgeGuild(redis, prefix, interaction.guildId, scope);
    log.warn({ guildId: interaction.guildId, scope, ...deleted }, "server data purged by an admin");
    await interaction.editReply({ content: `Deleted ${describe(scope, deleted)} of this server.`, components: [] });
  },
} satisfies Command;
