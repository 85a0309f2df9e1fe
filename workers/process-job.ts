import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { Redis } from "ioredis";
import type { MessageScheduler } from "./output/message-scheduler.js";
import { internalErrorText, newErrorId } from "../src/shared/errors.js";
import { parseJob, type GenerationJob, type GenerationResult, type Side, type SideResult } from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import type { Logger } from "../src/shared/log.js";
import type { WorkerMetrics } from "../src/shared/ops/metrics.js";
import type { Retention } from "../src/shared/store/retention.js";
import { abortable } from "./async-gates.js";
import { AnswerRound } from "./answer-round.js";
import { jobFinisher, observeSide } from "./finish-job.js";
import { LostLease, type LeaseWatch } from "./lease-watch.js";
import { runSides } from "./run-sides.js";
import { discordRefusalReason, failureText } from "../src/shared/job-failure.js";
import { jobOutputs } from "./job-outputs.js";

export interface ProcessorDeps {
  engine: Engine;
  scheduler: MessageScheduler;
  log: Logger;
  metrics: WorkerMetrics;
  /** Frees the requester's in-flight lease once a job has ended for good. */
  release: (job: GenerationJob) => Promise<void>;
  /** Who pressed Stop on a job before any worker started it, if anyone. */
  stoppedBefore: (jobId: string) => Promise<string | null>;
  /** Whether this worker can still vouch for its jobs' locks (Redis in reach). */
  lease: LeaseWatch;
  /** Where results, conversations and votes are kept. */
  redis: Redis;
  prefix: string;
  systemPrompt: string;
  /** How long results and conversations are kept; defaults to the documented defaults. */
  retention?: Retention;
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

/**
 * The place to write is gone or closed to the bot: deleted, archived, locked, a permission removed, a DM closed.
 * (One message deleted is not: the others can still say what happened.)
 */
function isPlaceGone(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  if (error.code === RESTJSONErrorCodes.UnknownMessage) return false;
  return error.status === 403 || error.status === 404 || error.code === 50083 || error.code === 160005;
}

/**
 * The worker's job handler: generates every side of a job at once on the resident models, streams
 * each into its messages, and finishes with the full text and stats. On the last failed attempt the
 * messages say so, with an error id that matches the log. Cancelled by BullMQ (shutdown past its grace
 * period), or cut off from Redis for longer than the job's lock is safe, the job goes back to the queue for
 * another worker, which edits the same messages.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { engine, scheduler, log: rootLog, metrics, release, stoppedBefore, lease } = deps;
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
    // `abort` ends the attempt (shutdown, Redis out of reach, Discord refusing); `stop` ends the generation
    // (a member pressed Stop).
    const abort = new AbortController();
    const stop = new AbortController();
    const leaseSignal = lease.signal();
    const onLeaseLost = () => abort.abort(leaseSignal.reason);
    leaseSignal.addEventListener("abort", onLeaseLost, { once: true });
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
    // What each side had generated when this attempt ended: an attempt that fails keeps it in the job.
    const progress = new Map<Side, { text: string; tokens: number }>();
    // The result is kept once, before the answer shows as complete (with the footer, or before it).
    const finisher = jobFinisher({ job, data, outputs, deps, log, signal: abort.signal });
    const round = new AnswerRound({
      record: finisher.record,
      job,
      data,
      outputs,
      engine,
      log,
      abort,
      stop: stop.signal,
      stoppedBy: () => stoppedBy,
      onProgress: (side, text, tokens) => progress.set(side, { text, tokens }),
    });

    const wait = Date.now() - data.createdAt;
    log.info({ wait }, "generation started");
    metrics.jobWait.observe(wait / 1000);
    metrics.activeGenerations.inc();
    try {
      const results =
        stoppedBy !== undefined && data.partial !== undefined
          ? // Stopped while an earlier attempt's failure waited to be tried again: its text is the answer.
            await Promise.all(
              outputs.sides.map(async ({ side, stream }) => {
                const result = partialResult(data.partial?.[side]);
                await abortable(stream.finish(result, stoppedBy), abort.signal);
                return [side, result] as [Side, SideResult];
              }),
            )
          : await runSides(outputs.sides, (output) => round.run(output), abort);
      if (abort.signal.aborted) throw abort.signal.reason ?? new Error("generation aborted");
      // Nothing of it must land once this worker has lost its hold on the job (another may finish it).
      await abortable(finisher.complete(new Map(results), round.footerPlaced), abort.signal);
      for (const [side, result] of results) observeSide(metrics, side, result);
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
      const permanent = isPermanentDiscordError(cause);
      const last = permanent || attempt >= (job.opts.attempts ?? 1);
      // Unless this attempt's failure is the answer's last word, nothing more goes to Discord from it.
      const handBack = (cause instanceof HandBack || cause instanceof LostLease) && token !== undefined;
      if (handBack || !last) for (const { stream } of outputs.sides) stream.drop();
      // Message ids still on their way to Redis: worth the wait, unless Redis is what is out of reach.
      if (!(cause instanceof LostLease)) await outputs.saved();
      if (handBack) {
        if (cause instanceof LostLease) {
          log.warn({ err: cause }, "Redis out of reach for longer than the job's lock is safe: stopped writing");
        } else {
          log.info("worker shutting down: job handed back to the queue");
        }
        metrics.jobs.inc({ outcome: "handed_back" });
        // Where another worker has taken the job over meanwhile, it is no longer ours to move.
        await job.moveToWait(token).catch((err: unknown) => log.warn({ err }, "the job is no longer this worker's"));
        throw new WaitingError();
      }
      if (last) {
        const errorId = newErrorId();
        log.error({ err: cause, errorId, permanent }, "generation failed");
        metrics.jobs.inc({ outcome: "failed" });
        metrics.errors.inc({ kind: permanent ? "discord_refused" : "generation" });
        await release(data).catch((err: unknown) => log.warn({ err }, "could not free the in-flight lease"));
        // Where the thread is gone or closed to the bot, nothing more is sent: it could only fail again.
        if (isPlaceGone(cause)) {
          scheduler.discard(data.target.channelId);
        } else {
          const notice =
            permanent && cause instanceof DiscordAPIError
              ? `${failureText({ kind: "discord", status: cause.status, code: Number(cause.code) }, data.target.guildId === null)} (error id \`${errorId}\`)`
              : internalErrorText(errorId);
          await Promise.allSettled(outputs.sides.map(({ stream }) => stream.fail(notice)));
        }
      } else {
        log.warn({ err: cause }, "generation attempt failed; it will be retried");
        metrics.jobs.inc({ outcome: "retrying" });
        await outputs.savePartial(Object.fromEntries(progress));
      }
      if (permanent && cause instanceof DiscordAPIError) {
        throw new UnrecoverableError(discordRefusalReason(cause.status, cause.code, cause.message));
      }
      throw cause;
    } finally {
      leaseSignal.removeEventListener("abort", onLeaseLost);
      metrics.activeGenerations.dec();
      // Whatever this attempt has not finished is not sent any more (a retry starts over on the same messages).
      for (const { stream } of outputs.sides) stream.drop();
    }
  };
}

/** A side as an earlier attempt left it, finished because a member pressed Stop. */
function partialResult(partial: { text: string; tokens: number } | undefined): SideResult {
  return {
    text: partial?.text ?? "",
    tokens: partial?.tokens ?? 0,
    stopReason: "aborted",
    timeToFirstTokenMs: null,
    durationMs: 0,
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
