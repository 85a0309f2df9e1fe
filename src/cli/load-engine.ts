import type { Config } from "../shared/config.js";
import type { Engine } from "../../workers/engine/engine.js";
import { loadConfiguredEngine } from "../../workers/engine/load-configured-engine.js";
import { downloadDisplay } from "./download-progress.js";
import { terminalLogger } from "./terminal-log.js";

/**
 * Loads the configured pair the way the worker does (the same GPU checks, downloads into `MODELS_DIR` with their
 * checksums, engine and settings), reporting to `stderr` for a person: download bars on a terminal, plain lines
 * elsewhere, warnings as lines. One sequence per context: a command-line run generates one side per model at a
 * time, as a worker does for one job.
 */
export async function loadTerminalEngine(config: Config, name: string, stderr: NodeJS.WriteStream): Promise<Engine> {
  const display = downloadDisplay(stderr);
  const log = terminalLogger(name, config.logLevel, (text) => display.print(text));
  display.status(`loading ${config.models.base} and ${config.models.instruct} (from ${config.models.dir})…`);
  try {
    return await loadConfiguredEngine(config, log, {
      sequences: 1,
      progressIntervalMs: display.intervalMs,
      onProgress: (role, progress) => display.update(role, progress),
    });
  } finally {
    display.close();
  }
}
