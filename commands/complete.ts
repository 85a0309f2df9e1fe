import type { Command } from "../src/gateway/command.js";
import { generationCommand } from "../src/gateway/generation-options.js";
import { submitGeneration } from "../src/gateway/submit-generation.js";

export default {
  data: generationCommand(
    "complete",
    "Let the base model continue your text (raw next-token prediction, no template)",
    "text",
    "The start of a text for the base model to continue",
  ).addBooleanOption((o) =>
    o
      .setName("fewshot")
      .setDescription("Wrap your text in a short Q:/A: scaffold so the base model answers it, stopping at the next Q:"),
  ),
  execute: (interaction, context) => submitGeneration(interaction, "complete", "text", context),
} satisfies Command;
