import { MessageFlags, type Interaction } from "discord.js";
import { claimInteraction } from "./claim-interaction.js";
import type { Command, CommandContext } from "./command.js";
import { internalErrorText, newErrorId, UserError } from "./errors.js";

/**
 * Runs the command an interaction names and makes sure it ends in an answer: a user error reaches
 * the user (ephemeral where still possible), anything else is logged with an error id the user sees.
 */
export async function routeInteraction(
  interaction: Interaction,
  commands: ReadonlyMap<string, Command>,
  context: CommandContext,
): Promise<void> {
  if (!interaction.isChatInputCommand()) return;
  const command = commands.get(interaction.commandName);
  const log = context.log.child({
    interactionId: interaction.id,
    userId: interaction.user.id,
    command: interaction.commandName,
  });
  if (!(await claimInteraction(context.redis, context.config.redis.prefix, interaction.id))) {
    // Already answered (Discord replays an interaction after a gateway resume): answering again would
    // fail with 40060 and must not touch the first answer.
    log.info("interaction seen before; ignored");
    context.metrics.interactions.inc({ command: interaction.commandName, outcome: "duplicate" });
    return;
  }
  try {
    if (!command)
      throw new UserError("I don't know that command any more. It may have been removed; try again in a minute.");
    await command.execute(interaction, { ...context, log });
    context.metrics.interactions.inc({ command: interaction.commandName, outcome: "queued" });
  } catch (error) {
    let text: string;
    if (error instanceof UserError) {
      text = error.message;
      log.info({ reason: error.message }, "request refused");
      context.metrics.interactions.inc({ command: interaction.commandName, outcome: "refused" });
    } else {
      const errorId = newErrorId();
      text = internalErrorText(errorId);
      log.error({ err: error, errorId }, "command failed");
      context.metrics.interactions.inc({ command: interaction.commandName, outcome: "failed" });
      context.metrics.errors.inc({ kind: "command" });
    }
    try {
      if (interaction.deferred || interaction.replied) {
        await interaction.editReply({ content: text, embeds: [], components: [], allowedMentions: { parse: [] } });
      } else {
        await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      }
    } catch (replyError) {
      log.error({ err: replyError }, "could not tell the user about a failure");
    }
  }
}
