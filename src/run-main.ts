import { pathToFileURL } from "node:url";
import { ConfigError } from "./config.js";

/**
 * Runs `main` when the module at `moduleUrl` is the process's entry point (not when imported).
 * A configuration error prints its message and exits 2; any other error exits 1.
 */
export function runMain(moduleUrl: string, name: string, main: () => Promise<void>): void {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return;
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
