import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** A process's Prometheus registry with Node's default metrics (memory, event loop lag, ...). */
export function createRegistry(processName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Metrics both processes share: Discord 429s and errors by kind. */
export function createCommonMetrics(registry: Registry) {
  return {
    discordRateLimited: new Counter({
      name: "bvi_discord_rate_limited_total",
      help: "Discord answers with status 429, by route",
      labelNames: ["route"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "bvi_errors_total",
      help: "Errors by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
  };
}

/** The gateway's metrics. `queueDepth` reads the queue when Prometheus scrapes. */
export function createGatewayMetrics(registry: Registry, queueDepth: () => Promise<Record<string, number>>) {
  return {
    ...createCommonMetrics(registry),
    interactions: new Counter({
      name: "bvi_interactions_total",
      help: "Slash commands and Stop buttons, by command and outcome (handled, refused, failed, duplicate)",
      labelNames: ["command", "outcome"] as const,
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: "bvi_interaction_ack_seconds",
      help: "From the interaction's creation to Discord accepting our acknowledgement",
      buckets: seconds,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "bvi_queue_depth",
      help: "Generation jobs in the queue, by state",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const counts = await queueDepth().catch(() => null);
        if (counts) for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    }),
  };
}

/** The worker's metrics. */
export function createWorkerMetrics(registry: Registry) {
  return {
    ...createCommonMetrics(registry),
    activeGenerations: new Gauge({
      name: "bvi_active_generations",
      help: "Jobs this worker is generating now",
      registers: [registry],
    }),
    jobWait: new Histogram({
      name: "bvi_job_wait_seconds",
      help: "From the request to a worker starting it",
      buckets: seconds,
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: "bvi_time_to_first_token_seconds",
      help: "From the start of a side's generation to its first token",
      labelNames: ["side"] as const,
      buckets: seconds,
      registers: [registry],
    }),
    tokensPerSecond: new Histogram({
      name: "bvi_tokens_per_second",
      help: "Generation speed of each finished side",
      labelNames: ["side"] as const,
      buckets: [1, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers: [registry],
    }),
    generatedTokens: new Counter({
      name: "bvi_generated_tokens_total",
      help: "Tokens generated, by side",
      labelNames: ["side"] as const,
      registers: [registry],
    }),
    jobs: new Counter({
      name: "bvi_jobs_total",
      help: "Jobs finished, by outcome (completed, retrying, failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
