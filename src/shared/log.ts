import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** Paths pino removes from every record, wherever a token could travel. */
const REDACT = [
  "token",
  "*.token",
  "*.*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "DISCORD_TOKEN",
  "HF_TOKEN",
];

/**
 * Creates the process logger: JSON lines on stdout, secrets redacted, `name` on every record.
 * Defaults to level `info`.
 */
export function createLogger(name: string, level = "info", destination?: pino.DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
