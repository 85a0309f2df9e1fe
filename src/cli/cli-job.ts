import { JOB_VERSION, parseJob, type GenerationJob, type JobKind, type Sampling, type Turn } from "../shared/jobs.js";

/** What a command-line run asks for, in the bot's own terms. */
export interface CliRequest {
  kind: JobKind;
  prompt: string;
  sampling: Sampling;
  /** compare: the 2x2 of models and templates instead of the pair. */
  matrix?: boolean;
  /** The raw sides get the prompt inside the Q:/A: scaffold and stop at the next "Q:". */
  fewShot?: boolean;
  /** ask: the conversation so far. */
  history?: readonly Turn[];
}

/**
 * The job the bot's worker would get for the same request: the command line goes through the worker's own code
 * (sides, prompts, few-shot scaffold), so it shows exactly what the bot shows. Nothing is written to Discord:
 * the ids are placeholders.
 */
export function cliJob(request: CliRequest): GenerationJob {
  return parseJob({
    v: JOB_VERSION,
    kind: request.kind,
    prompt: request.prompt,
    sampling: request.sampling,
    pairId: "default",
    requestedBy: { userId: "0", displayName: "terminal" },
    interactionId: "0",
    target: { guildId: null, channelId: "0", outputs: {} },
    createdAt: Date.now(),
    ...(request.matrix ? { mode: "matrix" } : {}),
    ...(request.fewShot ? { fewShot: true } : {}),
    ...(request.history && request.history.length > 0 ? { history: [...request.history] } : {}),
  });
}
