import type { Redis } from "ioredis";
import { withTimeout } from "../shared/with-timeout.js";

/** How long a handled interaction id is remembered: longer than Discord would ever replay it. */
const CLAIM_TTL_SECONDS = 24 * 3600;
/** A claim must not eat into Discord's 3-second deadline. */
const CLAIM_TIMEOUT_MS = 500;

/**
 * Claims an interaction id, atomically (SET NX): true the first time, false when this id was seen before
 * (a gateway replay after a resume, or a second gateway). Where Redis cannot answer in time, claims it anyway:
 * the queue's job id still keeps one job per interaction.
 */
export async function claimInteraction(redis: Redis, prefix: string, interactionId: string): Promise<boolean> {
  try {
    const set = redis.set(`${prefix}:interaction:${interactionId}`, "1", "EX", CLAIM_TTL_SECONDS, "NX");
    return (await withTimeout(set, CLAIM_TIMEOUT_MS, "interaction claim")) !== null;
  } catch {
    return true;
  }
}
