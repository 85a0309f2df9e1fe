import type { StopReason } from "../../src/shared/jobs.js";

/** Maps node-llama-cpp's stop reasons to ours. */
export function toStopReason(reason: string): StopReason {
  switch (reason) {
    case "eogToken":
      return "endOfTurn";
    case "maxTokens":
      return "tokenLimit";
    case "abort":
      return "aborted";
    default:
      // "customStopTrigger", "stopGenerationTrigger", "functionCalls"
      return "stopSequence";
  }
}
