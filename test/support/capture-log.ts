import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/shared/log.js";

/** A logger whose JSON records a test can read, without starting a bot. */
export function captureLog(): { log: Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return {
    log: createLogger("test", "debug", sink),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
