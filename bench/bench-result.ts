import type { MachineInfo } from "./machine-info.js";
import type { BurstResult, ConcurrencyResult } from "./phase-results.js";
import type { ProcessFigures } from "./service-process.js";
import type { Target } from "./targets.js";

/** Everything one run measured, as written to bench/results/*.json. */
export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  settings: {
    command: "/complete";
    prompt: string;
    maxTokens: number;
    temperature: number;
    seed: number;
    rounds: number;
    concurrencies: number[];
    burst: { size: number; maxTokens: number };
    llamaThreads: number | null;
    contextSize: number;
    queuePrefix: string;
    channels: "one per concurrent request";
  };
  machine: MachineInfo & { backend: string | null };
  models: {
    kind: "tiny" | "configured";
    base: { name: string | null; file: string };
    instruct: { name: string | null; file: string };
  };
  concurrency: ConcurrencyResult[];
  burst: BurstResult | null;
  gateway: ProcessFigures;
  targets: Target[];
  redisKeysDeleted: number | null;
}
