import { ZodError } from "zod";
import { newErrorId, UserError } from "../shared/errors.js";
import { withTimeout } from "../shared/with-timeout.js";
import type { CommandContext } from "./command.js";

/** How long the gateway waits for Redis, once an interaction is acknowledged, before answering without it. */
export const REDIS_TIMEOUT_MS = 2_000;

/** What a member reads when Redis could not be reached for a request. */
export const NOT_QUEUED =
  "The request queue is unavailable right now, so nothing was queued. Please try again in a minute.";

/**
 * Runs a Redis operation for an interaction; if Redis fails or does not answer within
 * {@link REDIS_TIMEOUT_MS}, logs it and throws a UserError with `failure` and an error id, so the interaction
 * ends with a clear answer instead of hanging.
 */
export async function redisCall<T>(
  operation: () => Promise<T>,
  { log, metrics }: Pick<CommandContext, "log" | "metrics">,
  failure: string,
): Promise<T> {
  try {
    return await withTimeout(operation(), REDIS_TIMEOUT_MS, "Redis");
  } catch (error) {
    if (error instanceof ZodError) throw error; // a bug in the job we built, not Redis
    const errorId = newErrorId();
    log.error({ err: error, errorId }, "queue unavailable");
    metrics.errors.inc({ kind: "queue_unavailable" });
    throw new UserError(`${failure} (error id \`${errorId}\`)`);
  }
}
