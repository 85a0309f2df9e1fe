import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository's root, where the command-line entries are run from as `npm run` runs them. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How a command-line run ended and what it wrote. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The variables the bot reads, cleared, so that a developer's own settings cannot leak into a test. */
const BOT_VARIABLES = [
  "BASE_MODEL",
  "INSTRUCT_MODEL",
  "MODELS_DIR",
  "MAX_NEW_TOKENS",
  "LLAMA_THREADS",
  "LLAMA_GPU",
  "SYSTEM_PROMPT",
  "HF_TOKEN",
  "HF_ENDPOINT",
  "LOG_LEVEL",
  "WORKER_CONCURRENCY",
];

/**
 * Settings that decide a terminal's colours whatever it can do, cleared so that a run on a pseudo-terminal shows
 * what a member's terminal shows: a CI runner may set `FORCE_COLOR=0`, and with `CI` set (and no known CI service
 * named) Node reports a terminal as having two colours.
 */
const COLOUR_VARIABLES = ["FORCE_COLOR", "NO_COLOR", "NODE_DISABLE_COLORS", "CI"];

/** The environment for a command-line run: this process's, without the bot's settings and colour overrides, plus `env`. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const cleared = [...BOT_VARIABLES, ...COLOUR_VARIABLES];
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !cleared.includes(name)));
  return { ...base, ...env };
}

/**
 * Runs `command` with `args` as a person would (a child process, output through pipes: not a terminal) and
 * resolves once it has exited. Killed after `timeoutMs`.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `src/cli/<entry>.ts` with tsx, as `npm run <entry>` does. */
export function runCli(entry: "try" | "tour", args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return runCommand(process.execPath, ["--import", "tsx", `src/cli/${entry}.ts`, ...args], { env: cliEnv(env) });
}
