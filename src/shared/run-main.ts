import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger, type Logger } from "./log.js";

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

/**
 * Runs a long-lived process (gateway or worker) as the entry point: loads the configuration, starts it,
 * and on SIGINT/SIGTERM closes it in order and exits (0, or 1 if closing failed).
 */
export function runService(
  moduleUrl: string,
  name: string,
  start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>,
): void {
  runMain(moduleUrl, name, async () => {
    const config = loadConfig();
    const log = createLogger(name, config.logLevel);
    const service = await start(config, log);
    const stop = (signal: string) => {
      log.info({ signal }, "shutting down");
      service.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
