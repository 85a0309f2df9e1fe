import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from "discord.js";
import { MAX_PROMPT_CHARS, SEED_RANGE, TEMPERATURE_RANGE, type CompareMode } from "../shared/jobs.js";
import type { RawRequestOptions } from "./request-options.js";

/** The most tokens a user may ask for at registration; the server's `MAX_NEW_TOKENS` caps it further. */
const MAX_TOKENS_OPTION = 8192;

/**
 * A generation command's definition: the prompt option (named `promptName`), then temperature,
 * max_tokens and seed. Usable in servers and in DMs with the bot.
 */
export function generationCommand(name: string, description: string, promptName: string, promptDescription: string) {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
    .addStringOption((o) =>
      o
        .setName(promptName)
        .setDescription(promptDescription)
        .setRequired(true)
        .setMinLength(1)
        .setMaxLength(MAX_PROMPT_CHARS),
    )
    .addNumberOption((o) =>
      o
        .setName("temperature")
        .setDescription("Sampling temperature; 0 = always the likeliest token (default 0.7)")
        .setMinValue(TEMPERATURE_RANGE.min)
        .setMaxValue(TEMPERATURE_RANGE.max),
    )
    .addIntegerOption((o) =>
      o
        .setName("max_tokens")
        .setDescription("Most tokens to generate per side (default: the server's cap)")
        .setMinValue(1)
        .setMaxValue(MAX_TOKENS_OPTION),
    )
    .addIntegerOption((o) =>
      o
        .setName("seed")
        .setDescription("Random seed; the same seed and settings give the same output")
        .setMinValue(SEED_RANGE.min)
        .setMaxValue(SEED_RANGE.max),
    );
}

/** Reads a generation command's options as the request parser takes them. */
export function readGenerationOptions(interaction: ChatInputCommandInteraction, promptName: string): RawRequestOptions {
  const { options } = interaction;
  return {
    prompt: options.getString(promptName),
    temperature: options.getNumber("temperature"),
    maxTokens: options.getInteger("max_tokens"),
    seed: options.getInteger("seed"),
  };
}

/** The options that change how a request is run, where the command has them. */
export interface RequestVariant {
  mode: CompareMode;
  blind: boolean;
  fewShot: boolean;
}

/** Reads `mode` and `blind` (/compare) and `fewshot` (/complete); absent options read as their defaults. */
export function readVariant(interaction: ChatInputCommandInteraction): RequestVariant {
  const { options } = interaction;
  const mode = options.get("mode")?.value;
  return {
    mode: mode === "matrix" ? "matrix" : "pair",
    blind: options.get("blind")?.value === true,
    fewShot: options.get("fewshot")?.value === true,
  };
}
