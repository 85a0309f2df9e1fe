import type { Job } from "bullmq";
import type { MessageScheduler } from "./output/message-scheduler.js";
import { OutputStream } from "./output/output-stream.js";
import {
  isTemplated,
  modelOf,
  sidesOf,
  type GenerationJob,
  type GenerationResult,
  type Side,
} from "../src/shared/jobs.js";
import { FEW_SHOT_STOP, fewShotPrompt } from "./engine/few-shot.js";
import { CHART_TOKENS } from "./output/next-token-chart.js";
import type { SideRun } from "./engine/generate-side.js";
import type { EngineInfo } from "./engine/engine.js";

/** One side's stream within a job. */
export interface SideOutput {
  side: Side;
  stream: OutputStream;
}

/**
 * The output streams of a job's sides, over the message ids the job recorded. New message ids are saved
 * into the job as they are created (in order, one write at a time), so a retry edits the same messages.
 */
export function jobOutputs(
  job: Job<GenerationJob, GenerationResult>,
  data: GenerationJob,
  scheduler: MessageScheduler,
  models: EngineInfo["models"],
  handlers: {
    /** Discord refused a message while streaming. */
    onError?: (error: unknown) => void;
    /** A message id could not be saved into the job (a retry's creates still find it by their nonce). */
    onSaveError?: (error: unknown) => void;
  } = {},
) {
  const { onError = () => {}, onSaveError = () => {} } = handlers;
  const outputs = { ...data.target.outputs };
  let saving: Promise<void> = Promise.resolve();
  const save = (side: Side | "footer", ids: readonly string[]) => {
    outputs[side] = [...ids];
    const next = { ...data, target: { ...data.target, outputs: { ...outputs } } };
    saving = saving.then(() => job.updateData(next)).catch(onSaveError);
    return saving;
  };
  const order = sidesOf(data);
  const sides: SideOutput[] = [];
  for (const [index, side] of order.entries()) {
    const known = data.target.outputs[side] ?? [];
    const after = sides.at(-1)?.stream;
    sides.push({
      side,
      stream: new OutputStream({
        scheduler,
        channelId: data.target.channelId,
        frame: {
          kind: data.kind,
          side,
          modelName: models[modelOf(side)].name,
          prompt: modelPrompt(data),
          maxTokens: data.sampling.maxTokens,
          ...(data.blind ? { blindLabel: index === 0 ? ("A" as const) : ("B" as const) } : {}),
        },
        messageIds: known,
        nonceKey: `${job.id}:${side}`,
        saveMessageIds: (ids) => void save(side, ids),
        onError,
        ...(after ? { after } : {}),
      }),
    });
  }
  return {
    sides,
    /** The footer's message id, once it exists. */
    footerId: (): string | undefined => outputs.footer?.[0],
    /** Records the footer's message id (so a retry edits instead of posting another). */
    saveFooter: (id: string) => save("footer", [id]),
    /** Every message id the job uses now. */
    messageIds: () => Object.values(outputs).flatMap((ids) => ids ?? []),
    /** Keeps what each side had generated in the job, for a Stop pressed before the retry. */
    savePartial: (partial: NonNullable<GenerationJob["partial"]>) => {
      const next = { ...data, target: { ...data.target, outputs: { ...outputs } }, partial };
      saving = saving.then(() => job.updateData(next)).catch(onSaveError);
      return saving;
    },
    /** Resolves once every id write has reached Redis (or failed). */
    saved: () => saving,
  };
}

/** The text a job's raw sides are given: the prompt, or for a few-shot completion the prompt in its scaffold. */
export function modelPrompt(data: GenerationJob): string {
  return data.fewShot ? fewShotPrompt(data.prompt) : data.prompt;
}

/**
 * What one side is given: the raw text (few-shot scaffolded) or the user's message with the conversation so far;
 * for a comparison, also the next tokens its chart shows.
 */
export function sideRun(
  data: GenerationJob,
  side: Side,
): Pick<SideRun, "prompt" | "sampling" | "history" | "omittedTurns" | "stopSequences" | "nextTokens"> {
  const chart = data.kind === "compare" ? { nextTokens: CHART_TOKENS } : {};
  if (isTemplated(side)) {
    return {
      prompt: data.prompt,
      sampling: data.sampling,
      history: data.history ?? [],
      ...(data.omittedTurns ? { omittedTurns: data.omittedTurns } : {}),
      ...chart,
    };
  }
  return {
    prompt: modelPrompt(data),
    sampling: data.sampling,
    ...(data.fewShot ? { stopSequences: [FEW_SHOT_STOP] } : {}),
    ...chart,
  };
}
