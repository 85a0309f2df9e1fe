import { isAbsolute, resolve } from "node:path";
import {
  DEFAULT_BASE_MODEL,
  DEFAULT_INSTRUCT_MODEL,
  DEFAULT_SYSTEM_PROMPT,
  GPU_SETTINGS,
  type GpuSetting,
} from "../src/shared/config.js";
import type { BenchCommand } from "./raw-pair.js";

/** The model pairs a run can measure. */
export const PAIR_KINDS = ["tiny", "realistic", "configured"] as const;
export type PairKind = (typeof PAIR_KINDS)[number];

/** One pair's part of a run. */
export interface PairPlan {
  kind: PairKind;
  concurrencies: number[];
  rounds: number;
  /** Interactions in the burst (0: none). */
  burst: number;
}

/** Everything a run is parameterised by; read once from the environment. */
export interface BenchConfig {
  pairs: PairPlan[];
  commands: BenchCommand[];
  /** BASE_MODEL / INSTRUCT_MODEL (local paths or `hf:` URIs) and MODELS_DIR, for the "configured" pair. */
  configured: { base: string; instruct: string; dir: string };
  maxTokens: number;
  prompt: string;
  temperature: number;
  seed: number;
  /** The instruct side's system prompt: the worker's (SYSTEM_PROMPT passes through to it). */
  systemPrompt: string;
  burstMaxTokens: number;
  /** The short /compare answers whose Discord requests are counted, and their max_tokens. */
  short: { answers: number; maxTokens: number };
  /** Threads per context raw node-llama-cpp tries besides its default; null: powers of two up to the cores, and the cores. */
  rawThreads: number[] | null;
  /** LLAMA_GPU, for the raw runs and the worker alike. */
  gpu: GpuSetting;
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

type Env = NodeJS.ProcessEnv;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BenchConfigError(`${name}: expected a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function intList(env: Env, name: string, max: number): number[] | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return null;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > max)) {
    throw new BenchConfigError(`${name}: expected comma-separated whole numbers from 1 to ${max} (got "${raw}")`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function wordList<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const words = raw.split(",").map((part) => part.trim());
  const wrong = words.filter((w) => !(allowed as readonly string[]).includes(w));
  if (wrong.length > 0 || words.length === 0) {
    throw new BenchConfigError(`${name}: expected a comma-separated list of ${allowed.join(", ")} (got "${raw}")`);
  }
  return allowed.filter((a) => words.includes(a));
}

/** A local path relative to `root`, or an `hf:` URI / URL as it is. */
function localOrUri(spec: string, root: string): string {
  return /^(hf:|https?:)/.test(spec) || isAbsolute(spec) ? spec : resolve(root, spec);
}

/** Concurrencies per pair unless BENCH_CONCURRENCY says: the tiny pair is cheap, the realistic one costs minutes. */
const DEFAULT_CONCURRENCIES: Record<PairKind, number[]> = {
  tiny: [1, 4, 8, 16],
  realistic: [1, 4],
  configured: [1, 4, 8, 16],
};
const DEFAULT_ROUNDS: Record<PairKind, number> = { tiny: 3, realistic: 5, configured: 3 };

/**
 * Reads the run's settings. BENCH_MODELS (tiny,realistic; or configured when BASE_MODEL or INSTRUCT_MODEL is set),
 * BENCH_COMMANDS (complete,compare), BENCH_CONCURRENCY (tiny and configured 1,4,8,16; realistic 1,4), BENCH_ROUNDS
 * (tiny and configured 3, realistic 5), BENCH_MAX_TOKENS (128), BENCH_PROMPT ("Tell me a story"), BENCH_SEED (42), BENCH_BURST (200, on the last pair
 * only), BENCH_BURST_MAX_TOKENS (8), BENCH_SHORT_ANSWERS (3), BENCH_SHORT_MAX_TOKENS (8), BENCH_RAW_THREADS (powers
 * of two up to the cores, and the cores), LLAMA_GPU (auto), SYSTEM_PROMPT, REDIS_URL, MODELS_DIR (./models).
 * Relative model paths are taken from `root`, where the services run.
 */
export function readBenchConfig(env: Env, root: string): BenchConfig {
  const configuredSet = Boolean(env.BASE_MODEL?.trim() || env.INSTRUCT_MODEL?.trim());
  const kinds = wordList(env, "BENCH_MODELS", PAIR_KINDS, configuredSet ? ["configured"] : ["tiny", "realistic"]);
  const concurrencies = intList(env, "BENCH_CONCURRENCY", 64);
  const roundsSet = env.BENCH_ROUNDS?.trim() ? int(env, "BENCH_ROUNDS", 3, 1, 100) : null;
  const burst = int(env, "BENCH_BURST", 200, 0, 1000);
  const pairs = kinds.map((kind, i): PairPlan => ({
    kind,
    concurrencies: concurrencies ?? DEFAULT_CONCURRENCIES[kind],
    rounds: roundsSet ?? DEFAULT_ROUNDS[kind],
    burst: i === kinds.length - 1 ? burst : 0,
  }));
  const prompt = env.BENCH_PROMPT?.trim() || "Tell me a story";
  if (prompt.length > 2000) throw new BenchConfigError("BENCH_PROMPT: at most 2000 characters");
  const gpu = (env.LLAMA_GPU?.trim() || "auto") as GpuSetting;
  if (!GPU_SETTINGS.includes(gpu)) throw new BenchConfigError(`LLAMA_GPU: one of ${GPU_SETTINGS.join(", ")}`);
  const systemPrompt = env.SYSTEM_PROMPT?.trim() || DEFAULT_SYSTEM_PROMPT;
  const withConfigured = kinds.includes("configured");
  return {
    pairs,
    commands: wordList(env, "BENCH_COMMANDS", ["complete", "compare"] as const, ["complete", "compare"]),
    configured: {
      base: localOrUri(env.BASE_MODEL?.trim() || DEFAULT_BASE_MODEL, root),
      instruct: localOrUri(env.INSTRUCT_MODEL?.trim() || DEFAULT_INSTRUCT_MODEL, root),
      dir: resolve(root, env.MODELS_DIR?.trim() || "./models"),
    },
    maxTokens: int(env, "BENCH_MAX_TOKENS", 128, 1, 8192),
    prompt,
    temperature: 0,
    seed: int(env, "BENCH_SEED", 42, 0, 2 ** 31 - 1),
    systemPrompt,
    burstMaxTokens: int(env, "BENCH_BURST_MAX_TOKENS", 8, 1, 8192),
    short: {
      answers: int(env, "BENCH_SHORT_ANSWERS", 3, 0, 100),
      maxTokens: int(env, "BENCH_SHORT_MAX_TOKENS", 8, 1, 8192),
    },
    rawThreads: intList(env, "BENCH_RAW_THREADS", 256),
    gpu,
    redisUrl: env.REDIS_URL?.trim() || "redis://127.0.0.1:6379",
    roundTimeoutMs: 180_000,
    burstTimeoutMs: 600_000,
    startTimeoutMs: withConfigured ? 1_800_000 : 120_000,
    runTimeoutMs: withConfigured ? 5_400_000 : 2_700_000,
  };
}
