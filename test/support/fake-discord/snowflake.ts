import { randomBytes } from "node:crypto";

const DISCORD_EPOCH = 1_420_070_400_000n;
let lastTimestamp = 0n;
let increment = 0n;

/** A new, strictly increasing Discord snowflake (timestamp-based, like Discord's). */
export function nextSnowflake(now: number = Date.now()): string {
  let ts = BigInt(now) - DISCORD_EPOCH;
  if (ts < lastTimestamp) ts = lastTimestamp;
  if (ts === lastTimestamp) {
    increment += 1n;
    if (increment > 4095n) {
      ts += 1n;
      increment = 0n;
    }
  } else {
    increment = 0n;
  }
  lastTimestamp = ts;
  return ((ts << 22n) | (1n << 17n) | (1n << 12n) | increment).toString();
}

/** Milliseconds since the Unix epoch encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64").replace(/=+$/, "");
}

function randomToken(length: number): string {
  return randomBytes(length).toString("base64url").slice(0, length);
}

/** A token shaped like a real bot token: base64(id).6 chars.38 chars. */
export function makeBotToken(botId: string): string {
  return `${b64(botId)}.${randomToken(6)}.${randomToken(38)}`;
}

/** An interaction token shaped like Discord's (base64 of "interaction:<id>:<secret>"). */
export function makeInteractionToken(interactionId: string): string {
  return b64(`interaction:${interactionId}:${randomToken(96)}`)
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}
