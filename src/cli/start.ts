import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadConfig, requireToken } from "../shared/config.js";
import { runMain } from "../shared/run-main.js";

/** The two processes; with HEALTH_PORT set, the gateway listens on it and the worker on the next port. */
function entries(healthPort: number | undefined) {
  const port = (offset: number) => (healthPort === undefined ? {} : { HEALTH_PORT: String(healthPort + offset) });
  return {
    gateway: { file: "../gateway/main.ts", env: port(0) },
    worker: { file: "../../workers/main.ts", env: port(1) },
  };
}

/** Runs one entry point as a child process with tsx; resolves with its exit code. */
function run(
  entry: { file: string; env: Record<string, string> },
  children: ChildProcess[],
  onExit: (code: number) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL(entry.file, import.meta.url))], {
      stdio: "inherit",
      env: { ...process.env, ...entry.env },
    });
    children.push(child);
    child.on("exit", (code) => {
      onExit(code ?? 1);
      resolve(code ?? 1);
    });
  });
}

/**
 * `npm start`, the single-machine default: the gateway and one worker as two child processes.
 * SIGINT/SIGTERM reach both (each shuts down in order); if one exits, the other is stopped too.
 */
runMain(import.meta.url, "start", async () => {
  const config = loadConfig(); // fail once, here, with the message naming the bad variable
  requireToken(config, "bot");
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.once("SIGINT", () => stopAll("SIGINT"));
  process.once("SIGTERM", () => stopAll("SIGTERM"));
  const codes = await Promise.all(
    Object.entries(entries(config.ops.port)).map(([name, entry]) =>
      run(entry, children, (code) => {
        if (stopping) return;
        process.stderr.write(`start: the ${name} exited with code ${code}; stopping the other process\n`);
        stopAll("SIGTERM");
        process.exitCode = code || 1;
      }),
    ),
  );
  process.exitCode ??= Math.max(...codes);
});
