import type { BenchResult, PairResult, RowResult } from "./bench-result.js";
import type { LoopDelay } from "./loop-delay.js";
import type { PipelineFigures, PipelineRun } from "./phase-results.js";
import type { GlobalCounts, RequestCounts } from "./request-counts.js";
import { baseline, bestConfig } from "./raw-sweep.js";
import type { ProcessFigures } from "./service-process.js";
import { summarize, type Summary } from "./stats.js";
import { describeCounts } from "./targets.js";

type Cell = string | number | null;

const n = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined ? "–" : x.toFixed(digits);
const pair = (s: Summary, digits = 0) => `${n(s.p50, digits)} / ${n(s.p99, digits)}`;
const mem = (p: ProcessFigures) => (p.memory ? `${n(p.memory.peakRssMiB)} / ${n(p.memory.rssMiB)}` : "–");
const counts = (g: GlobalCounts) =>
  `${n(g.thread, 2)} ${n(g.create, 2)} ${n(g.edit, 2)} ${n(g.other, 2)} = ${n(g.total, 2)}`;

/** Plain-text columns: the first `left` left-aligned, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], left = 1): string {
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

const label = (r: RowResult) => `/${r.command} c${r.concurrency}`;
const runs = (r: RowResult): [string, PipelineRun][] => [
  [`${label(r)} default`, r.defaultRun],
  ...(r.bestRun ? [[`${label(r)} LLAMA_THREADS=${r.bestRun.llamaThreads}`, r.bestRun] as [string, PipelineRun]] : []),
];
const threadsOf = (run: PipelineRun) =>
  run.workerThreads ? `${run.workerThreads.perContext}/ctx, ${run.workerThreads.total} in all` : "?";

const traffic = (phase: string, c: RequestCounts, answers: number, worker: ProcessFigures): Cell[] => [
  phase,
  c.total,
  c.callbacks,
  c.webhooks,
  counts({
    thread: c.global.thread / answers,
    create: c.global.create / answers,
    edit: c.global.edit / answers,
    other: c.global.other / answers,
    total: c.global.total / answers,
  }),
  c.rateLimited === 0 ? "0" : `${c.rateLimited} (${c.rateLimitedGlobal} global)`,
  Object.values(c.errors).reduce((a, b) => a + b, 0),
  mem(worker),
];

const breakdown = (name: string, p: PipelineFigures, lag: LoopDelay): Cell[] => [
  name,
  pair(p.ackMs),
  pair(p.toWorkerMs),
  pair(p.queueWaitMs),
  pair(p.workerTtftMs),
  pair(p.firstTokenToDiscordMs),
  pair(p.generationMs),
  pair(p.endToFinalMs),
  `${n(lag.p99)} / ${n(lag.max)}`,
  n(p.sideTokensPerSecond.p50, 1),
];

function pairSection(p: PairResult): string[] {
  const configs = p.rows[0]?.raw.configs.map((c) => c.label) ?? [];
  const out: string[] = [
    "",
    `=== ${p.kind} pair: ${p.models.base.name ?? "?"} / ${p.models.instruct.name ?? "?"} — backend ${p.backend}, ` +
      `${p.cores} core(s), node-llama-cpp's own maxThreads ${p.defaultMaxThreads}, context ${p.contextSize}, ${p.rounds} round(s) per row`,
    "",
    "Raw node-llama-cpp, tok/s per thread configuration (threads per context; /compare decodes on two contexts at once;",
    "* = fastest; 'capped' = too slow to measure in full: one round stopped at a time cap). again: the fastest measured",
    "once more after the pipeline's runs; the baseline is the faster of the two measurements.",
    table(
      ["workload", ...configs, "best", "again", "baseline"],
      p.rows.map((r) => [
        label(r),
        ...r.raw.configs.map(
          (c, i) =>
            `${n(c.tokensPerSecond, 1)}${i === r.raw.best ? "*" : ""}${c.capped ? " capped" : ""}` +
            (c.threads === null ? ` (${c.threadsPerContext}/ctx)` : ""),
        ),
        bestConfig(r.raw).label,
        n(r.raw.again?.tokensPerSecond, 1),
        n(baseline(r.raw).tokensPerSecond, 1),
      ]),
    ),
    "",
    "Throughput, aggregate tok/s (raw round: first call → last token; pipeline round: first dispatch → last final",
    "stats line in Discord). ratio = pipeline ÷ raw baseline. default: the worker as it comes (WORKER_CONCURRENCY = c",
    "above 1); best thr.: LLAMA_THREADS set to the fastest raw configuration's, where the default chose other threads.",
    table(
      [
        "workload",
        "raw baseline",
        "pipe default",
        "worker threads",
        "ratio",
        "pipe best thr.",
        "ratio",
        "raw round ms",
        "pipe round ms",
      ],
      p.rows.map((r) => {
        const best = baseline(r.raw);
        const atBest = r.bestRun ?? r.defaultRun;
        return [
          label(r),
          n(best.tokensPerSecond, 1),
          n(r.defaultRun.pipeline.tokensPerSecond, 1),
          threadsOf(r.defaultRun),
          n(r.defaultRatio, 3),
          r.bestRun ? `${n(r.bestRun.pipeline.tokensPerSecond, 1)} (${r.bestRun.llamaThreads}/ctx)` : "= default",
          n(r.ratio, 3),
          best.rounds.map((x) => n(x.wallMs)).join(", "),
          atBest.pipeline.rounds.map((x) => n(x.wallMs)).join(", "),
        ];
      }),
    ),
    "",
    "Time to first token, ms p50 / p99 over every side (raw: the baseline measurement, generation call → first token;",
    "pipeline: interaction dispatched → first create or edit with generated text received by the fake Discord;",
    "added = pipeline − raw, per percentile; worker: the worker's own call → first token, from its stats line)",
    table(
      ["workload", "raw", "pipeline", "added", "worker", "sides"],
      p.rows.map((r) => {
        const atBest = (r.bestRun ?? r.defaultRun).pipeline;
        return [
          label(r),
          pair(baseline(r.raw).ttftMs, 1),
          pair(atBest.ttftMs),
          `${n(r.addedTtftMs.p50, 1)} / ${n(r.addedTtftMs.p99, 1)}`,
          pair(atBest.workerTtftMs),
          atBest.ttftMs.n,
        ];
      }),
    ),
    "",
    "Where a pipeline request's time goes, ms p50 / p99 (to worker: dispatch → the worker starts generating, i.e.",
    "gateway + enqueue + queue wait; 1st tok→Discord: worker's first token → the request showing it; end→final:",
    "generation ended → final stats line in Discord, the chart included for /compare; bench lag: this process's",
    "event-loop delay p99 / max, which hosts the fake and so may stamp late). Side tok/s: the worker's per side,",
    "against raw's per request (the baseline measurement).",
    table(
      [
        "run",
        "ack",
        "to worker",
        "queue wait",
        "worker ttft",
        "1st tok→Discord",
        "generation",
        "end→final",
        "bench lag",
        "side tok/s",
        "raw req tok/s",
      ],
      [
        ...p.rows.flatMap((r) => {
          const rawRate = summarize(
            baseline(r.raw).requests.map((q) => (q.totalMs > 0 ? (q.tokens / q.totalMs) * 1000 : 0)),
          ).p50;
          return runs(r).map(([name, run]) => [...breakdown(name, run.pipeline, run.benchLoopDelayMs), n(rawRate, 1)]);
        }),
        ...(p.burst ? [[...breakdown("burst", p.burst.pipeline, p.burst.benchLoopDelayMs), "–"]] : []),
      ],
    ),
    "",
    "Discord REST traffic per run: all requests, exempt interaction callbacks and webhooks, then per answer the requests",
    "that count against the global budget (thread create edit other = total), 429s, errors, worker VmHWM / VmRSS MiB",
    table(
      [
        "run",
        "requests",
        "callbacks",
        "webhooks",
        "per answer: thr cre edit oth = total",
        "429s",
        "errors",
        "worker MiB",
      ],
      [
        ...p.rows.flatMap((r) =>
          runs(r).map(([name, run]) =>
            traffic(name, run.discord, r.concurrency * run.pipeline.rounds.length, run.worker),
          ),
        ),
        ...(p.short
          ? [
              traffic(`short /compare ×${p.short.answers}`, p.short.counts, p.short.answers, {
                pid: null,
                memory: null,
                warnings: [],
                warningCount: 0,
              }),
            ]
          : []),
        ...(p.burst ? [traffic("burst", p.burst.discord, p.burst.size, p.burst.worker)] : []),
      ],
    ),
  ];
  if (p.short) {
    out.push(
      "",
      `Short /compare (max_tokens ${p.short.maxTokens}, ${p.short.answers} one at a time): ${describeCounts(p.short.perAnswer)}`,
    );
  }
  const long = p.rows.find((r) => r.command === "compare" && r.concurrency === 1);
  if (long) {
    out.push(
      `/compare at the bench's length (${n(long.defaultRun.pipeline.tokensPerRequest.p50)} tokens per answer, c1): ` +
        describeCounts(long.defaultRun.perAnswer),
    );
  }
  if (p.burst) {
    const b = p.burst;
    const seconds = Math.max(0.001, b.drainMs / 1000);
    // @discordjs/rest counts every request but interaction callbacks against its own global limit, exempt webhooks too.
    const gatewayPaced = b.discord.threads + b.discord.webhooks;
    const workerSent = b.discord.creates + b.discord.edits;
    out.push(
      "",
      `Burst: ${b.size} × /complete max_tokens ${b.maxTokens}, fired in ${n(b.dispatchSpreadMs)} ms, worker sequences ${b.workerConcurrency}`,
      `  acknowledgement p50 / p99 / max  ${pair(b.pipeline.ackMs)} / ${n(b.pipeline.ackMs.max)} ms` +
        (b.unacknowledged > 0 ? ` (${b.unacknowledged} never acknowledged)` : ""),
      `  drained (first dispatch → last final)  ${n(b.drainMs)} ms${b.unfinished > 0 ? ` (${b.unfinished} unfinished)` : ""}; ` +
        `gateway memory ${mem(b.gateway)} MiB; global-budget requests ${b.discord.global.total} ` +
        `(${n(b.discord.global.total / Math.max(1, b.drainMs / 1000), 1)}/s)`,
      `  sent by the gateway through its REST client's global pacing (threads and webhook replies alike): ` +
        `${gatewayPaced} (${n(gatewayPaced / seconds, 1)}/s); by the worker (creates, edits): ${workerSent} ` +
        `(${n(workerSent / seconds, 1)}/s)`,
    );
  }
  return out;
}

/** Renders a run as the readable plain-text report printed at the end. */
export function formatReport(r: BenchResult): string {
  const s = r.settings;
  const out: string[] = [
    `Pipeline (gateway → Redis/BullMQ → worker → fake Discord) vs raw node-llama-cpp — ${r.startedAt}`,
    `machine   ${r.machine.cpuCount} × ${r.machine.cpuModel}, ${n(r.machine.totalMemoryMiB / 1024, 1)} GiB, ${r.machine.os}`,
    `software  node ${r.machine.node}, node-llama-cpp ${r.machine.nodeLlamaCpp}, LLAMA_GPU ${s.llamaGpu}`,
    `settings  ${s.commands.map((c) => `/${c}`).join(" and ")} "${s.prompt}", max_tokens ${s.maxTokens}, temperature ${s.temperature}, ` +
      `seed ${s.seed}; pairs ${s.pairs.map((p) => `${p.kind} (c ${p.concurrencies.join(",")}, ${p.rounds} rounds)`).join(", ")}; ` +
      `one channel (thread) per request; raw threads tried ${s.rawThreads?.join(",") ?? "auto"} + default`,
  ];
  for (const p of r.pairs) out.push(...pairSection(p));
  const warnings = r.pairs.flatMap((p) => [
    ...p.rows.flatMap((row) => runs(row).map(([, run]) => run.worker.warningCount)),
    p.burst?.worker.warningCount ?? 0,
  ]);
  const total = warnings.reduce((a, b) => a + b, 0) + r.gateway.warningCount;
  if (total > 0) out.push("", `Warnings/errors in the services' logs: ${total} (details in the JSON)`);
  for (const failure of r.failures) out.push(`Problem: ${failure}`);
  out.push(
    "",
    "Targets",
    table(
      ["", "target", "goal", "measured"],
      r.targets.map((t) => [t.pass === null ? "info" : t.pass ? "PASS" : "MISS", t.name, t.goal, t.value]),
      4,
    ),
    "",
    `Took ${n(r.durationMs / 1000, 1)} s.`,
  );
  return out.join("\n");
}
