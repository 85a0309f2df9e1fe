import type { Command } from "../src/command.js";
import { generationCommand } from "../src/discord/generation-options.js";
import { submitGeneration } from "../src/submit-generation.js";

export default {
  data: generationCommand(
    "compare",
    "Send one prompt to the base model and its instruct sibling, side by side",
    "prompt",
    "What both models get: the base model continues it, the instruct model answers it",
  ),
  execute: (interaction, context) => submitGeneration(interaction, "compare", "prompt", context),
} satisfies Command;
