import type { Job } from "bullmq";
import type { LiveEditor } from "../src/discord/live-editor.js";
import { OutputStream } from "../src/discord/output-stream.js";
import { sidesOf, type GenerationJob, type GenerationResult, type Side } from "../src/jobs.js";
import type { EngineInfo } from "../src/llm/engine.js";

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
  editor: LiveEditor,
  models: EngineInfo["models"],
  onIds: (ids: readonly string[]) => void = () => {},
  onError: (error: unknown) => void = () => {},
) {
  const outputs = { ...data.target.outputs };
  let saving: Promise<unknown> = Promise.resolve();
  const save = (side: Side, ids: readonly string[]) => {
    outputs[side] = [...ids];
    onIds(ids);
    const next = { ...data, target: { ...data.target, outputs: { ...outputs } } };
    saving = saving.then(() => job.updateData(next));
    return saving.then(() => undefined);
  };
  const sides: SideOutput[] = sidesOf(data.kind).map((side) => {
    const known = data.target.outputs[side] ?? [];
    onIds(known);
    return {
      side,
      stream: new OutputStream({
        editor,
        channelId: data.target.channelId,
        frame: {
          kind: data.kind,
          side,
          modelName: models[side].name,
          prompt: data.prompt,
          maxTokens: data.sampling.maxTokens,
        },
        messageIds: known,
        nonceKey: `${job.id}:${side}`,
        saveMessageIds: (ids) => save(side, ids),
        onError,
      }),
    };
  });
  return {
    sides,
    /** Every message id the job uses now. */
    messageIds: () => Object.values(outputs).flatMap((ids) => ids ?? []),
    /** Resolves once every id write has reached Redis (or failed). */
    saved: () => saving.catch(() => {}),
  };
}
