import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import { DiscordAPIError } from "discord.js";
import type { Redis } from "ioredis";
import type { MessageScheduler } from "./output/message-scheduler.js";
import { internalErrorText, newErrorId } from "../src/shared/errors.js";
import {
  modelOf,
  parseJob,
  type GenerationJob,
  type GenerationResult,
  type Side,
  type SideResult,
} from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import type { Logger } from "../src/shared/log.js";
import type { WorkerMetrics } from "../src/shared/ops/metrics.js";
import { appendTurn } from "../src/shared/store/conversations.js";
import { resultRecord, saveResult, type StoredSide } from "../src/shared/store/results.js";
import { postFooter } from "./footer.js";
import { jobOutputs, sideRun } from "./job-outputs.js";

export interface ProcessorDeps {
  engine: Engine;
  scheduler: MessageScheduler;
  log: Logger;
  metrics: WorkerMetrics;
  /** Frees the requester's in-flight lease once a job has ended for good. */
  release: (job: GenerationJob) => Promise<void>;
  /** Who pressed Stop on a job before any worker started it, if anyone. */
  stoppedBefore: (jobId: string) => Promise<string | null>;
  /** Where results, conversations and votes are kept. */
  redis: Redis;
  prefix: string;
  systemPrompt: string;
}

/** The reason BullMQ's cancel carries when a member pressed Stop: `stop:<who>`. */
export function stopReason(by: string): string {
  return `stop:${by}`;
}

/** The reason a generation is aborted when the worker shuts down before it ends: the job goes back to wait. */
export class HandBack extends Error {
  override name = "HandBack";
}

/** Discord answers that no retry can fix (4xx but 429). */
function isPermanentDiscordError(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/** The place to write is gone or closed to the bot: deleted, archived, locked, or a permission removed. */
function isPlaceGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 403 || error.status === 404 || error.code === 50083);
}

/**
 * The worker's job handler: generates every side of a job at once on the resident models, streams
 * each into its messages, and finishes with the full text and stats. On the last failed attempt the
 * messages say so, with an error id that matches the log. Cancelled by BullMQ (shutdown past its grace
 * period), the job is handed back to the queue for another worker, which edits the same messages.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { engine, scheduler, log: rootLog, metrics, release, stoppedBefore } = deps;
  return async (
    job: Job<GenerationJob, GenerationResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<GenerationResult> => {
    let data: GenerationJob;
    try {
      data = parseJob(job.data);
    } catch (error) {
      rootLog.error({ jobId: job.id, err: error }, "invalid job data");
      metrics.errors.inc({ kind: "invalid_job" });
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
    // `abort` ends the attempt (shutdown, Discord refusing); `stop` ends the generation (a member pressed Stop).
    const abort = new AbortController();
    const stop = new AbortController();
    let stoppedBy = (await stoppedBefore(job.id ?? "").catch(() => null)) ?? undefined;
    if (stoppedBy !== undefined) stop.abort();
    signal?.addEventListener(
      "abort",
      () => {
        const reason: unknown = signal.reason;
        if (typeof reason === "string" && reason.startsWith("stop:")) {
          stoppedBy = reason.slice("stop:".length);
          stop.abort();
        } else {
          abort.abort(new HandBack("worker shutting down"));
        }
      },
      { once: true },
    );
    const outputs = jobOutputs(job, data, scheduler, engine.info.models, {
      // Discord refused a message: the place is gone, or the request can never succeed.
      onError: (error) => abort.abort(error),
      onSaveError: (err) => log.warn({ err }, "could not record a message id in the job"),
    });

    const wait = Date.now() - data.createdAt;
    log.info({ wait }, "generation started");
    metrics.jobWait.observe(wait / 1000);
    metrics.activeGenerations.inc();
    try {
      // One side per model at a time: a job never holds more than one sequence of a context, so the
      // worker's concurrency (= sequences per context) always fits, the matrix's four sides included.
      const byModel = new Map<string, typeof outputs.sides>();
      for (const output of outputs.sides) {
        byModel.set(modelOf(output.side), [...(byModel.get(modelOf(output.side)) ?? []), output]);
      }
      const results: [Side, SideResult][] = [];
      await Promise.all(
        [...byModel.values()].map(async (group) => {
          for (const { side, stream } of group) {
            try {
              const result = await engine.generate(side, {
                ...sideRun(data, side),
                signal: AbortSignal.any([abort.signal, stop.signal]),
                onText: (text) => stream.update(text),
              });
              if (abort.signal.aborted) throw abort.signal.reason ?? new Error("generation aborted");
              await abortable(stream.finish(result, stoppedBy), abort.signal);
              observeSide(metrics, side, result);
              results.push([side, result]);
            } catch (error) {
              abort.abort(error);
              throw error;
            }
          }
        }),
      );
      await finishJob(job, data, new Map(results), outputs, deps, log);
      const stats = Object.fromEntries(
        results.map(([side, r]) => [
          side,
          { tokens: r.tokens, stopReason: r.stopReason, ms: r.durationMs, ttftMs: r.timeToFirstTokenMs },
        ]),
      );
      await release(data).catch((err: unknown) => log.warn({ err }, "could not free the in-flight lease"));
      log.info(
        { stats, stoppedBy },
        stoppedBy === undefined ? "generation finished" : "generation stopped by a member",
      );
      metrics.jobs.inc({ outcome: "completed" });
      return Object.fromEntries(results);
    } catch (error) {
      const cause: unknown = abort.signal.reason ?? error;
      await outputs.saved();
      if (cause instanceof HandBack && token) {
        log.info("worker shutting down: job handed back to the queue");
        metrics.jobs.inc({ outcome: "handed_back" });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const permanent = isPermanentDiscordError(cause);
      if (permanent || attempt >= (job.opts.attempts ?? 1)) {
        const errorId = newErrorId();
        log.error({ err: cause, errorId, permanent }, "generation failed");
        metrics.jobs.inc({ outcome: "failed" });
        metrics.errors.inc({ kind: permanent ? "discord_refused" : "generation" });
        await release(data).catch((err: unknown) => log.warn({ err }, "could not free the in-flight lease"));
        // Where the thread is gone or closed to the bot, nothing more is sent: it could only fail again.
        if (isPlaceGone(cause)) {
          scheduler.discard(data.target.channelId);
        } else {
          await Promise.allSettled(outputs.sides.map(({ stream }) => stream.fail(internalErrorText(errorId))));
        }
      } else {
        log.warn({ err: cause }, "generation attempt failed; it will be retried");
        metrics.jobs.inc({ outcome: "retrying" });
      }
      throw permanent ? new UnrecoverableError(`Discord refused an edit: ${(cause as Error).message}`) : cause;
    } finally {
      metrics.activeGenerations.dec();
      // Whatever this attempt has not finished is not sent any more (a retry starts over on the same messages).
      for (const { stream } of outputs.sides) stream.drop();
    }
  };
}

/**
 * Tells the user a job was lost for good (its worker died more often than BullMQ's stall limit allows),
 * in the messages it had written, if any.
 */
export async function reportLostJob(
  job: Job<GenerationJob, GenerationResult>,
  { engine, scheduler, log, metrics, release }: ProcessorDeps,
): Promise<void> {
  let data: GenerationJob;
  try {
    data = parseJob(job.data);
  } catch {
    return;
  }
  const errorId = newErrorId();
  log.error(
    { jobId: job.id, errorId, userId: data.requestedBy.userId },
    "job lost: its worker stopped responding too often",
  );
  metrics.jobs.inc({ outcome: "failed" });
  metrics.errors.inc({ kind: "stalled" });
  await release(data).catch(() => {});
  const outputs = jobOutputs(job, data, scheduler, engine.info.models);
  await Promise.allSettled(outputs.sides.map(({ stream }) => stream.fail(internalErrorText(errorId))));
}

/**
 * After every side has its final text: keeps the result (the exact prompts, the comparison to vote on),
 * adds an /ask exchange to its thread's conversation, and posts the footer (chart and buttons). None of
 * this is worth a retry of the generation: a failure is logged and the answer stands.
 */
async function finishJob(
  job: Job<GenerationJob, GenerationResult>,
  data: GenerationJob,
  results: ReadonlyMap<Side, SideResult>,
  outputs: ReturnType<typeof jobOutputs>,
  deps: ProcessorDeps,
  log: Logger,
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
  await saveResult(redis, prefix, record).catch((err: unknown) => log.warn({ err }, "could not store the result"));
  const answer = results.get("instruct")?.text;
  if (data.kind === "ask" && answer !== undefined) {
    await appendTurn(redis, prefix, data.target.channelId, { prompt: data.prompt, answer }).catch((err: unknown) =>
      log.warn({ err }, "could not add the exchange to the conversation"),
    );
  }
  if (outputs.footerId() !== undefined) return;
  await postFooter(job, data, outputs, deps, log).catch((err: unknown) =>
    log.warn({ err }, "could not post the chart and buttons under the answer"),
  );
}

function observeSide(metrics: WorkerMetrics, side: Side, result: SideResult): void {
  metrics.generatedTokens.inc({ side }, result.tokens);
  if (result.timeToFirstTokenMs !== null) metrics.timeToFirstToken.observe({ side }, result.timeToFirstTokenMs / 1000);
  if (result.durationMs > 0) metrics.tokensPerSecond.observe({ side }, result.tokens / (result.durationMs / 1000));
}

/** Waits for `work`, or rejects with the signal's reason as soon as it aborts (the work goes on unobserved). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
