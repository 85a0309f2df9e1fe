import type { BenchResult } from "./bench-result.js";
import type { RequestCounts } from "./request-counts.js";
import type { ProcessFigures } from "./service-process.js";
import type { Summary } from "./stats.js";

type Cell = string | number | null;

const n = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined ? "–" : x.toFixed(digits);
const pair = (s: Summary, digits = 0) => `${n(s.p50, digits)} / ${n(s.p99, digits)}`;
const mem = (p: ProcessFigures) => (p.memory ? `${n(p.memory.peakRssMiB)} / ${n(p.memory.rssMiB)}` : "–");

/** Plain-text columns: the first `left` left-aligned, the rest right-aligned. */
function table(headers: readonly string[], rows: readonly (readonly Cell[])[], left = 1): string {
  const text = [headers, ...rows].map((row) => row.map((cell) => (cell === null ? "–" : String(cell))));
  const widths = headers.map((_, col) => Math.max(...text.map((row) => (row[col] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => (col < left ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join("  ")
      .trimEnd();
  const [head = [], ...body] = text;
  return ["  " + line(head), ...body.map((row) => "  " + line(row))].join("\n");
}

const traffic = (phase: string, c: RequestCounts, worker: ProcessFigures): Cell[] => [
  phase,
  c.total,
  c.callbacks,
  c.webhooks,
  c.threads,
  c.creates,
  c.edits,
  c.rateLimited === 0 ? "0" : `${c.rateLimited} (${c.rateLimitedGlobal} global)`,
  Object.values(c.errors).reduce((a, b) => a + b, 0),
  mem(worker),
];

/** Renders a run as the readable plain-text report printed at the end. */
export function formatReport(r: BenchResult): string {
  const s = r.settings;
  const rows = r.concurrency;
  const base = rows[0];
  const scale = (x: number, of: number | undefined) => (of ? `×${(x / of).toFixed(2)}` : "–");
  const out: string[] = [];
  out.push(
    `Pipeline (gateway → Redis/BullMQ → worker → fake Discord) vs raw node-llama-cpp — ${r.startedAt}`,
    `machine   ${r.machine.cpuCount} × ${r.machine.cpuModel}, ${n(r.machine.totalMemoryMiB / 1024, 1)} GiB, ${r.machine.os}`,
    `software  node ${r.machine.node}, node-llama-cpp ${r.machine.nodeLlamaCpp}, backend ${r.machine.backend ?? "?"}`,
    `models    base ${r.models.base.name ?? "?"} (${r.models.kind}), instruct ${r.models.instruct.name ?? "?"}`,
    `settings  /complete "${s.prompt}", max_tokens ${s.maxTokens}, temperature ${s.temperature}, seed ${s.seed}, ` +
      `${s.rounds} round(s) per concurrency, LLAMA_THREADS ${s.llamaThreads ?? "default"}, context ${s.contextSize}, ` +
      `one channel (thread) per request`,
    "",
    "Throughput (aggregate tokens/s over all rounds; pipeline round = first dispatch → last final stats line)",
    table(
      ["c", "raw tok/s", "pipeline tok/s", "ratio", "raw scale", "pipe scale", "raw round ms", "pipe round ms"],
      rows.map((c) => [
        c.concurrency,
        n(c.raw.tokensPerSecond, 1),
        n(c.pipeline.tokensPerSecond, 1),
        n(c.throughputRatio, 3),
        scale(c.raw.tokensPerSecond, base?.raw.tokensPerSecond),
        scale(c.pipeline.tokensPerSecond, base?.pipeline.tokensPerSecond),
        c.raw.rounds.map((x) => n(x.wallMs)).join(", "),
        c.pipeline.rounds.map((x) => n(x.wallMs)).join(", "),
      ]),
    ),
    "",
    "Time to first token, ms p50 / p99 (raw: generation call → first token; pipeline: dispatch → first edit with text)",
    table(
      ["c", "raw", "pipeline", "added (ours)", "worker-side", "tokens/request"],
      rows.map((c) => [
        c.concurrency,
        pair(c.raw.ttftMs, 1),
        pair(c.pipeline.ttftMs),
        `${n(c.addedTtftMs.p50, 1)} / ${n(c.addedTtftMs.p99, 1)}`,
        pair(c.pipeline.workerTtftMs),
        `${n(c.pipeline.tokensPerRequest.min)}-${n(c.pipeline.tokensPerRequest.max)}`,
      ]),
    ),
    "",
    "Where a pipeline request's time goes, ms p50 / p99 after dispatch (queue wait and generation from the worker's",
    "log; bench lag: this process's event-loop delay p99 / max, which hosts the fake and so may stamp late)",
    table(
      ["c", "ack", "output msg", "first text", "final", "queue wait", "generation", "bench lag"],
      [
        ...rows.map((c) => [c.concurrency, c.pipeline, c.benchLoopDelayMs] as const),
        ...(r.burst ? [[`burst`, r.burst.pipeline, r.burst.benchLoopDelayMs] as const] : []),
      ].map(([label, p, lag]) => [
        label,
        pair(p.ackMs),
        pair(p.outputCreatedMs),
        pair(p.ttftMs),
        pair(p.finalMs),
        pair(p.queueWaitMs),
        pair(p.workerGenerationMs),
        `${n(lag.p99)} / ${n(lag.max)}`,
      ]),
    ),
    "",
    "Discord REST traffic per phase, and the worker's memory at its end (VmHWM / VmRSS, MiB)",
    table(
      ["phase", "requests", "callbacks", "webhooks", "threads", "creates", "edits", "429s", "errors", "worker MiB"],
      [
        ...rows.map((c) => traffic(`c=${c.concurrency}`, c.discord, c.worker)),
        ...(r.burst ? [traffic("burst", r.burst.discord, r.burst.worker)] : []),
      ],
    ),
  );
  if (r.burst) {
    const b = r.burst;
    out.push(
      "",
      `Burst: ${b.size} × /complete max_tokens ${b.maxTokens}, fired in ${n(b.dispatchSpreadMs)} ms, worker concurrency ${b.workerConcurrency}`,
      `  acknowledgement p50 / p99 / max  ${pair(b.pipeline.ackMs)} / ${n(b.pipeline.ackMs.max)} ms` +
        (b.unacknowledged > 0 ? ` (${b.unacknowledged} never acknowledged)` : ""),
      `  drained (first dispatch → last final)  ${n(b.drainMs)} ms; gateway memory ${mem(b.gateway)} MiB`,
    );
  }
  const warnings = [...rows.map((c) => c.worker.warningCount), r.burst?.worker.warningCount ?? 0];
  const total = warnings.reduce((a, b) => a + b, 0) + r.gateway.warningCount;
  if (total > 0) out.push("", `Warnings/errors in the services' logs: ${total} (details in the JSON)`);
  out.push("", "Targets");
  out.push(
    table(
      ["", "target", "goal", "measured"],
      r.targets.map((t) => [t.pass === null ? "n/a" : t.pass ? "PASS" : "MISS", t.name, t.goal, t.value]),
      4,
    ),
  );
  out.push("", `Took ${n(r.durationMs / 1000, 1)} s.`);
  return out.join("\n");
}
