import type { PairKind, PairPlan } from "./bench-config.js";
import type { MachineInfo } from "./machine-info.js";
import type { BurstResult, PipelineRun } from "./phase-results.js";
import type { ShortCompareResult } from "./pipeline-phases.js";
import type { BenchCommand } from "./raw-pair.js";
import type { RawWorkloadResult } from "./raw-sweep.js";
import type { ProcessFigures } from "./service-process.js";
import type { Target } from "./targets.js";

/** One workload: raw node-llama-cpp's configurations against the pipeline. */
export interface RowResult {
  command: BenchCommand;
  concurrency: number;
  raw: RawWorkloadResult;
  /** The worker with its default settings (no LLAMA_THREADS; WORKER_CONCURRENCY only above 1). */
  defaultRun: PipelineRun;
  /** The worker with LLAMA_THREADS set to the fastest raw configuration's threads, where the default chose others. */
  bestRun: PipelineRun | null;
  /** Pipeline tok/s at its best settings (`bestRun`, else `defaultRun`) ÷ the fastest raw configuration's. */
  ratio: number | null;
  /** Default-settings pipeline tok/s ÷ the fastest raw configuration's. */
  defaultRatio: number | null;
  /** Pipeline TTFT (dispatch → first text in Discord) − raw TTFT (call → first token), at its best settings. */
  addedTtftMs: { p50: number | null; p99: number | null };
}

/** Everything measured on one model pair. */
export interface PairResult {
  kind: PairKind;
  models: {
    base: { name: string | null; file: string };
    instruct: { name: string | null; file: string };
  };
  backend: string;
  cores: number;
  /** Threads per context raw node-llama-cpp tried (and its default besides). */
  threadsTried: number[];
  /** node-llama-cpp's own `llama.maxThreads` on this machine. */
  defaultMaxThreads: number;
  contextSize: number;
  rounds: number;
  rows: RowResult[];
  short: ShortCompareResult | null;
  burst: BurstResult | null;
}

/** Everything one run measured, as written to bench/results/*.json. */
export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  settings: {
    commands: BenchCommand[];
    prompt: string;
    maxTokens: number;
    temperature: number;
    seed: number;
    systemPrompt: string;
    pairs: PairPlan[];
    burstMaxTokens: number;
    short: { answers: number; maxTokens: number };
    rawThreads: number[] | null;
    llamaGpu: string;
    queuePrefix: string;
    channels: "one per concurrent request";
    /** Discord's global budget per bot token, and the shares the gateway and a worker take by default. */
    globalBudget: { perSecond: number; gatewayShare: number; workerShare: number };
  };
  machine: MachineInfo;
  pairs: PairResult[];
  gateway: ProcessFigures;
  targets: Target[];
  /** Problems that did not stop the run (unfinished burst requests, cleanup). */
  failures: string[];
  redisKeysDeleted: number | null;
}
