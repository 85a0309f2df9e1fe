import { isAbsolute, resolve } from "node:path";
import { DEFAULT_BASE_MODEL, DEFAULT_INSTRUCT_MODEL } from "../src/shared/config.js";

/** Which models the run uses: the generated tiny test models, or the configured ones. */
export type ModelChoice =
  { kind: "tiny" } | { kind: "configured"; base: string; instruct: string; dir: string; threads: number | undefined };

/** Everything a run is parameterised by; read once from the environment. */
export interface BenchConfig {
  concurrencies: number[];
  rounds: number;
  maxTokens: number;
  prompt: string;
  temperature: number;
  seed: number;
  burst: { size: number; maxTokens: number };
  models: ModelChoice;
  redisUrl: string;
  /** Longest wait for one pipeline round (or the warm-up) to show every final message. */
  roundTimeoutMs: number;
  /** Longest wait for the burst to drain. */
  burstTimeoutMs: number;
  /** Longest wait for a process to be ready (a worker downloading a configured model may need more). */
  startTimeoutMs: number;
  /** The whole run is abandoned (and cleaned up) after this long. */
  runTimeoutMs: number;
}

/** Thrown for an invalid BENCH_* (or model) setting; the message names it. */
export class BenchConfigError extends Error {
  override name = "BenchConfigError";
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BenchConfigError(`${name}: expected a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: number[], max: number): number[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > max)) {
    throw new BenchConfigError(`${name}: expected comma-separated whole numbers from 1 to ${max} (got "${raw}")`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** A local path relative to `root`, or an `hf:` URI / URL as it is. */
function localOrUri(spec: string, root: string): string {
  return /^(hf:|https?:)/.test(spec) || isAbsolute(spec) ? spec : resolve(root, spec);
}

/**
 * Reads the run's settings: BENCH_CONCURRENCY (default 1,4,8,16), BENCH_ROUNDS (2), BENCH_MAX_TOKENS (128),
 * BENCH_BURST (200), BENCH_BURST_MAX_TOKENS (8), BENCH_PROMPT ("Tell me a story"), BENCH_SEED (42), REDIS_URL;
 * and BASE_MODEL / INSTRUCT_MODEL (with MODELS_DIR and LLAMA_THREADS) when either is set, else the tiny models.
 * Relative model paths are taken from `root`, where the services run.
 */
export function readBenchConfig(env: NodeJS.ProcessEnv, root: string): BenchConfig {
  const configured = Boolean(env.BASE_MODEL?.trim() || env.INSTRUCT_MODEL?.trim());
  const threadsRaw = env.LLAMA_THREADS?.trim();
  const models: ModelChoice = configured
    ? {
        kind: "configured",
        base: localOrUri(env.BASE_MODEL?.trim() || DEFAULT_BASE_MODEL, root),
        instruct: localOrUri(env.INSTRUCT_MODEL?.trim() || DEFAULT_INSTRUCT_MODEL, root),
        dir: resolve(root, env.MODELS_DIR?.trim() || "./models"),
        threads: threadsRaw ? int(env, "LLAMA_THREADS", 1, 1, 256) : undefined,
      }
    : { kind: "tiny" };
  const prompt = env.BENCH_PROMPT?.trim() || "Tell me a story";
  if (prompt.length > 2000) throw new BenchConfigError("BENCH_PROMPT: at most 2000 characters");
  return {
    concurrencies: intList(env, "BENCH_CONCURRENCY", [1, 4, 8, 16], 64),
    rounds: int(env, "BENCH_ROUNDS", 2, 1, 100),
    maxTokens: int(env, "BENCH_MAX_TOKENS", 128, 1, 8192),
    prompt,
    temperature: 0,
    seed: int(env, "BENCH_SEED", 42, 0, 2 ** 31 - 1),
    burst: { size: int(env, "BENCH_BURST", 200, 0, 1000), maxTokens: int(env, "BENCH_BURST_MAX_TOKENS", 8, 1, 8192) },
    models,
    redisUrl: env.REDIS_URL?.trim() || "redis://127.0.0.1:6379",
    roundTimeoutMs: 120_000,
    burstTimeoutMs: 300_000,
    startTimeoutMs: configured ? 1_800_000 : 90_000,
    runTimeoutMs: configured ? 3_600_000 : 900_000,
  };
}
