import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Config } from "../../src/shared/config.js";

/** A bot process (gateway or worker) run as a deployment runs it: its own process, configured by env. */
export interface BotProcess {
  child: ChildProcess;
  /** Its log lines (JSON) so far. */
  lines: string[];
  /** Resolves with the first log line matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

/** The environment that reproduces `config` for a child process. */
export function envOf(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DISCORD_TOKEN: config.discord.token,
    DISCORD_API_URL: config.discord.apiUrl,
    REDIS_URL: config.redis.url,
    QUEUE_PREFIX: config.redis.prefix,
    BASE_MODEL: config.models.base,
    INSTRUCT_MODEL: config.models.instruct,
    MODELS_DIR: config.models.dir,
    SYSTEM_PROMPT: config.models.systemPrompt,
    MAX_NEW_TOKENS: String(config.worker.maxNewTokens),
    WORKER_CONCURRENCY: config.worker.concurrency === undefined ? undefined : String(config.worker.concurrency),
    LLAMA_THREADS: config.worker.threads === undefined ? undefined : String(config.worker.threads),
    SHUTDOWN_GRACE_SECONDS: String(config.worker.shutdownGraceMs / 1000),
    LOG_LEVEL: "debug",
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Starts `src/gateway/main.ts` or `workers/main.ts` with tsx in a child process. */
export function spawnBotProcess(which: "gateway" | "worker", env: NodeJS.ProcessEnv): BotProcess {
  const file = which === "gateway" ? "../../src/gateway/main.ts" : "../../workers/main.ts";
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL(file, import.meta.url))], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  return {
    child,
    lines,
    exited,
    waitForLog(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (line === undefined) return;
          cleanup();
          resolve(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no log line matching ${String(pattern)} in ${timeoutMs} ms; last lines:\n${lines.slice(-5).join("\n")}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(
            new Error(`process exited before logging ${String(pattern)}; last lines:\n${lines.slice(-5).join("\n")}`),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}
