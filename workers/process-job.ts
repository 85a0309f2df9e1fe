import { UnrecoverableError, type Job } from "bullmq";
import { DiscordAPIError } from "discord.js";
import type { LiveEditor } from "../src/discord/live-editor.js";
import { OutputStream } from "../src/discord/output-stream.js";
import { internalErrorText, newErrorId } from "../src/errors.js";
import {
  parseJob,
  sidesOf,
  type GenerationJob,
  type GenerationResult,
  type Side,
  type SideResult,
} from "../src/jobs.js";
import type { Engine } from "../src/llm/engine.js";
import type { Logger } from "../src/log.js";
import type { WorkerMetrics } from "../src/ops/metrics.js";

export interface ProcessorDeps {
  engine: Engine;
  editor: LiveEditor;
  log: Logger;
  /** Aborts registered here are fired when a live edit of their message fails for good. */
  abortsByMessage: Map<string, AbortController>;
  metrics: WorkerMetrics;
}

/** Discord answers that no retry can fix: the thread or message is gone, or the bot may not post. */
function isPermanentDiscordError(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/**
 * The worker's job handler: generates every side of a job at once on the resident models, streams
 * each into its messages, and finishes with the full text and stats. On the last failed attempt the
 * messages say so, with an error id that matches the log.
 */
export function createProcessor({ engine, editor, log: rootLog, abortsByMessage, metrics }: ProcessorDeps) {
  return async (job: Job<GenerationJob, GenerationResult>): Promise<GenerationResult> => {
    let data: GenerationJob;
    try {
      data = parseJob(job.data);
    } catch (error) {
      rootLog.error({ jobId: job.id, err: error }, "invalid job data");
      throw new UnrecoverableError("invalid job data");
    }
    const attempt = job.attemptsMade + 1;
    const log = rootLog.child({
      jobId: job.id,
      kind: data.kind,
      userId: data.requestedBy.userId,
      channelId: data.target.channelId,
      attempt,
    });
    const abort = new AbortController();
    const outputs = { ...data.target.outputs };
    let saving: Promise<unknown> = Promise.resolve();
    const saveIds = (side: Side, ids: readonly string[]) => {
      outputs[side] = [...ids];
      for (const id of ids) abortsByMessage.set(id, abort);
      const next = { ...data, target: { ...data.target, outputs: { ...outputs } } };
      saving = saving.then(() => job.updateData(next));
      return saving.then(() => undefined);
    };

    const streams = sidesOf(data.kind).map((side) => {
      const known = data.target.outputs[side] ?? [];
      for (const id of known) abortsByMessage.set(id, abort);
      return {
        side,
        stream: new OutputStream({
          editor,
          channelId: data.target.channelId,
          frame: {
            kind: data.kind,
            side,
            modelName: engine.info.models[side].name,
            prompt: data.prompt,
            maxTokens: data.sampling.maxTokens,
          },
          messageIds: known,
          nonceKey: `${job.id}:${side}`,
          saveMessageIds: (ids) => saveIds(side, ids),
        }),
      };
    });

    const wait = Date.now() - data.createdAt;
    log.info({ wait }, "generation started");
    metrics.jobWait.observe(wait / 1000);
    metrics.activeGenerations.inc();
    try {
      const results = await Promise.all(
        streams.map(async ({ side, stream }): Promise<[Side, SideResult]> => {
          try {
            await stream.begin();
            const result = await engine.generate(side, {
              prompt: data.prompt,
              sampling: data.sampling,
              signal: abort.signal,
              onText: (text) => stream.update(text),
            });
            if (abort.signal.aborted) throw abort.signal.reason ?? new Error("generation aborted");
            await stream.finish(result);
            observeSide(metrics, side, result);
            return [side, result];
          } catch (error) {
            abort.abort(error);
            throw error;
          }
        }),
      );
      const result: GenerationResult = Object.fromEntries(results);
      log.info(
        {
          stats: Object.fromEntries(
            results.map(([side, r]) => [
              side,
              { tokens: r.tokens, stopReason: r.stopReason, ms: r.durationMs, ttftMs: r.timeToFirstTokenMs },
            ]),
          ),
        },
        "generation finished",
      );
      metrics.jobs.inc({ outcome: "completed" });
      return result;
    } catch (error) {
      const cause: unknown = abort.signal.reason ?? error;
      const permanent = isPermanentDiscordError(cause);
      const lastAttempt = permanent || attempt >= (job.opts.attempts ?? 1);
      if (lastAttempt) {
        const errorId = newErrorId();
        log.error({ err: cause, errorId, permanent }, "generation failed");
        metrics.jobs.inc({ outcome: "failed" });
        metrics.errors.inc({ kind: permanent ? "discord_refused" : "generation" });
        // Where the thread is gone these edits fail too; that is expected and changes nothing.
        await Promise.allSettled(streams.map(({ stream }) => stream.fail(internalErrorText(errorId))));
      } else {
        log.warn({ err: cause }, "generation attempt failed; it will be retried");
        metrics.jobs.inc({ outcome: "retrying" });
      }
      await saving.catch(() => {});
      throw permanent ? new UnrecoverableError(`Discord refused an edit: ${(cause as Error).message}`) : cause;
    } finally {
      metrics.activeGenerations.dec();
      for (const ids of Object.values(outputs)) for (const id of ids ?? []) abortsByMessage.delete(id);
    }
  };
}

function observeSide(metrics: WorkerMetrics, side: Side, result: SideResult): void {
  metrics.generatedTokens.inc({ side }, result.tokens);
  if (result.timeToFirstTokenMs !== null) metrics.timeToFirstToken.observe({ side }, result.timeToFirstTokenMs / 1000);
  if (result.durationMs > 0) metrics.tokensPerSecond.observe({ side }, result.tokens / (result.durationMs / 1000));
}
