import { spawn } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";

/**
 * Runs a TypeScript entry point of src/cli (`try.ts`, `tour.ts`) with tsx, for the package's `bin` commands:
 * tsx is found from this file, so the command works from any directory and through npm's bin links. Arguments,
 * standard streams and the exit status pass through.
 */
export function launch(entry) {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), fileURLToPath(new URL(entry, import.meta.url)), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process is passed on.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => {
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
  });
}
