import {
  DiscordAPIError,
  MessageFlags,
  RESTJSONErrorCodes,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from "discord.js";
import type { Command, CommandContext } from "./command.js";
import { stopButtonTarget } from "./stop-button.js";
import { internalErrorText, newErrorId, PrivateRefusal, UserError } from "../shared/errors.js";
import { handleStop } from "./handle-stop.js";
import { parseResultButton } from "../shared/result-buttons.js";
import { handleResultButton } from "./handle-result-button.js";

type Handled = ChatInputCommandInteraction | ButtonInteraction;

/**
 * Routes slash commands and the Stop button, and makes sure each interaction ends in an answer: a user
 * error reaches the user (ephemeral where still possible), anything else is logged with an error id the
 * user sees. A replayed interaction is ignored: Discord refuses its acknowledgement, and every handler
 * acknowledges before it changes anything.
 */
export async function routeInteraction(
  interaction: Interaction,
  commands: ReadonlyMap<string, Command>,
  context: CommandContext,
): Promise<void> {
  let name: string;
  let run: (context: CommandContext) => Promise<void>;
  if (interaction.isChatInputCommand()) {
    name = interaction.commandName;
    const command = commands.get(name);
    run = command
      ? (ctx) => command.execute(interaction, ctx)
      : () =>
          Promise.reject(
            new UserError("I don't know that command any more. It may have been removed; try again in a minute."),
          );
  } else if (interaction.isButton()) {
    const target = stopButtonTarget(interaction.customId);
    const result = parseResultButton(interaction.customId);
    if (target !== null) {
      name = "stop";
      run = (ctx) => handleStop(interaction, target, ctx);
    } else if (result !== null) {
      name = result.action;
      run = (ctx) => handleResultButton(interaction, result, ctx);
    } else {
      return;
    }
  } else {
    return;
  }
  const log = context.log.child({ interactionId: interaction.id, userId: interaction.user.id, command: name });
  const duplicate = () => {
    // Discord already has an answer to this interaction (a replay after a gateway resume, or a second
    // gateway): acknowledging it failed, and nothing else was touched.
    log.info("interaction seen before; ignored");
    context.metrics.interactions.inc({ command: name, outcome: "duplicate" });
  };
  try {
    await run({ ...context, log });
    context.metrics.interactions.inc({ command: name, outcome: "handled" });
  } catch (error) {
    if (isAlreadyAnswered(error)) {
      duplicate();
      return;
    }
    let text: string;
    if (error instanceof UserError) {
      text = error.message;
      log.info({ reason: error.message }, "request refused");
      context.metrics.interactions.inc({ command: name, outcome: "refused" });
    } else {
      const errorId = newErrorId();
      text = internalErrorText(errorId);
      log.error({ err: error, errorId }, "command failed");
      context.metrics.interactions.inc({ command: name, outcome: "failed" });
      context.metrics.errors.inc({ kind: "command" });
    }
    await tellUser(interaction, text, error instanceof PrivateRefusal).catch((replyError: unknown) => {
      if (isAlreadyAnswered(replyError)) duplicate();
      else log.error({ err: replyError }, "could not tell the user about a failure");
    });
  }
}

/** Discord refused an acknowledgement because the interaction already has one (40060). */
function isAlreadyAnswered(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged;
}

/**
 * Answers where the answer belongs: the command's own reply, else an ephemeral message. A private refusal of a
 * command whose public reply is already "thinking…" removes that reply and answers privately.
 */
async function tellUser(interaction: Handled, text: string, privately = false): Promise<void> {
  const safe = { allowedMentions: { parse: [] } };
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, ...safe });
  } else if (privately && interaction.isChatInputCommand() && interaction.ephemeral !== true) {
    await interaction.deleteReply();
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, ...safe });
  } else if (interaction.isChatInputCommand() || interaction.ephemeral === true) {
    // The command's own reply, or a button's private "thinking…" (deferReply): that answer becomes the text.
    await interaction.editReply({ content: text, embeds: [], components: [], ...safe });
  } else {
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, ...safe });
  }
}
