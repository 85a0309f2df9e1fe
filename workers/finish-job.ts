import type { Job } from "bullmq";
import { modelOf, type GenerationJob, type GenerationResult, type Side, type SideResult } from "../src/shared/jobs.js";
import type { Logger } from "../src/shared/log.js";
import type { WorkerMetrics } from "../src/shared/ops/metrics.js";
import { appendTurn } from "../src/shared/store/conversations.js";
import { resultRecord, saveResult, type StoredSide } from "../src/shared/store/results.js";
import { postFooter } from "./footer.js";
import type { jobOutputs } from "./job-outputs.js";
import type { ProcessorDeps } from "./process-job.js";

/** What finishing a job's attempt works on. Once `signal` aborts (the worker lost its hold on the job), nothing more is written. */
export interface FinishContext {
  job: Job<GenerationJob, GenerationResult>;
  data: GenerationJob;
  outputs: ReturnType<typeof jobOutputs>;
  deps: ProcessorDeps;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Once every side has its final text, before anything shows the member that the answer is complete: keeps the
 * result (the exact prompts, the comparison to vote on) and adds an /ask exchange to its thread's conversation, so
 * that the buttons under the answer and the member's next /ask find them. Neither is worth a retry of the
 * generation: a failure is logged and the answer stands.
 */
async function recordResult(
  { job, data, outputs, deps, log, signal }: FinishContext,
  results: ReadonlyMap<Side, SideResult>,
): Promise<void> {
  const { engine, redis, prefix, systemPrompt } = deps;
  const id = job.id ?? "";
  const stored: Partial<Record<Side, StoredSide>> = {};
  for (const [side, r] of results) {
    const role = modelOf(side);
    stored[side] = {
      role,
      model: engine.info.models[role].name,
      text: r.text,
      tokens: r.tokens,
      stopReason: r.stopReason,
      input: r.input ?? null,
      durationMs: r.durationMs,
      timeToFirstTokenMs: r.timeToFirstTokenMs,
      ...(r.endToken !== undefined ? { endToken: r.endToken } : {}),
      ...(r.stopSequence !== undefined ? { stopSequence: r.stopSequence } : {}),
      ...(r.droppedTurns !== undefined ? { droppedTurns: r.droppedTurns } : {}),
    };
  }
  const record = resultRecord(
    id,
    data,
    outputs.sides.map(({ side }) => side),
    stored,
    systemPrompt,
  );
  signal.throwIfAborted();
  await saveResult(redis, prefix, record, deps.retention).catch((err: unknown) =>
    log.warn({ err }, "could not store the result"),
  );
  const answer = results.get("instruct")?.text;
  signal.throwIfAborted();
  if (data.kind === "ask" && answer !== undefined) {
    const author = { userId: data.requestedBy.userId, guildId: data.target.guildId };
    await appendTurn(
      redis,
      prefix,
      data.target.channelId,
      { prompt: data.prompt, answer, id: job.id ?? data.interactionId },
      author,
      deps.retention,
    ).catch((err: unknown) => log.warn({ err }, "could not add the exchange to the conversation"));
  }
}

/**
 * How a job's attempt ends once every side has its final text. `record` keeps the result, once, however often it is
 * called (before the last side's final edit, or from `complete`); `complete` records it and posts the footer (chart
 * and buttons) unless it went out with that edit. A failed footer is logged and the answer stands.
 */
export function jobFinisher(context: FinishContext) {
  let recorded: Promise<void> | undefined;
  const record = (results: ReadonlyMap<Side, SideResult>) => (recorded ??= recordResult(context, results));
  return {
    record,
    async complete(
      results: ReadonlyMap<Side, SideResult>,
      /** The footer went out with the last side's final edit: no message of its own. */
      footerPlaced: boolean,
    ): Promise<void> {
      const { job, data, outputs, deps, log, signal } = context;
      await record(results);
      signal.throwIfAborted();
      if (footerPlaced || outputs.footerId() !== undefined) return;
      await postFooter(job, data, outputs, deps, log, results).catch((err: unknown) =>
        log.warn({ err }, "could not post the chart and buttons under the answer"),
      );
    },
  };
}

export function observeSide(metrics: WorkerMetrics, side: Side, result: SideResult): void {
  metrics.generatedTokens.inc({ side }, result.tokens);
  if (result.timeToFirstTokenMs !== null) metrics.timeToFirstToken.observe({ side }, result.timeToFirstTokenMs / 1000);
  if (result.durationMs > 0) metrics.tokensPerSecond.observe({ side }, result.tokens / (result.durationMs / 1000));
}
