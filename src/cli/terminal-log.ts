import { createLogger, type Logger } from "../shared/log.js";

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "", 40: "warning", 50: "error", 60: "error" };

/**
 * The log of a command-line run as plain lines through `write` (to standard error), for a person rather than a log
 * collector: `name: message`, warnings and errors marked, with the error's message where there is one. The
 * worker's modules log through it as they do through the worker's JSON log (secrets redacted the same way).
 */
export function terminalLogger(name: string, level: string, write: (text: string) => void): Logger {
  return createLogger(name, level, {
    write(line: string) {
      let record: { level?: number; msg?: string; err?: { message?: string }; model?: string };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        write(line);
        return;
      }
      const marker = LEVELS[record.level ?? 30] ?? "";
      const model = record.model === undefined ? "" : ` (${record.model})`;
      const cause = record.err?.message === undefined ? "" : `: ${record.err.message}`;
      write(`${name}: ${marker === "" ? "" : `${marker}: `}${record.msg ?? ""}${model}${cause}\n`);
    },
  });
}
