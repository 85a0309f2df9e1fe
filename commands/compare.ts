import type { Command } from "../src/gateway/command.js";
import { generationCommand } from "../src/gateway/generation-options.js";
import { submitGeneration } from "../src/gateway/submit-generation.js";

export default {
  data: generationCommand(
    "compare",
    "Send one prompt to the base model and its instruct sibling, side by side",
    "prompt",
    "What both models get: the base model continues it, the instruct model answers it",
  )
    .addStringOption((o) =>
      o
        .setName("mode")
        .setDescription("pair: base vs instruct (default) · matrix: both models, each raw and with the chat template")
        .addChoices({ name: "pair", value: "pair" }, { name: "matrix (2x2: template vs training)", value: "matrix" }),
    )
    .addBooleanOption((o) =>
      o
        .setName("blind")
        .setDescription("Hide which model is which (A and B, shuffled) until you vote on the better answer"),
    ),
  execute: (interaction, context) => submitGeneration(interaction, "compare", "prompt", context),
} satisfies Command;
