import type { Command } from "../src/gateway/command.js";
import { generationCommand } from "../src/gateway/generation-options.js";
import { submitGeneration } from "../src/gateway/submit-generation.js";

export default {
  data: generationCommand(
    "ask",
    "Ask the instruct model (chat template and system prompt applied)",
    "prompt",
    "Your message to the instruct model",
  ),
  execute: (interaction, context) => submitGeneration(interaction, "ask", "prompt", context),
} satisfies Command;
