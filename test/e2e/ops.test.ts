import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestBot, type RunningBot, type TestBot } from "../support/bot.js";
import { type FakeDiscord } from "../support/fake-discord/index.js";
import { BASE_PATHS } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let bot: RunningBot;

beforeAll(async () => {
  setup = await startTestBot({ HEALTH_PORT: "0" });
  ({ fake, bot } = setup);
});

afterAll(() => setup?.close());

/** The value of a sample in Prometheus text format, whatever the order of its labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map(
      (match[2] ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair): [string, string] => {
          const [key = "", value = ""] = pair.split("=");
          return [key, value.replace(/"/g, "")];
        }),
    );
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

const get = async (port: number | null | undefined, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as { ready: boolean; checks: object } };
};

describe("health and metrics endpoints", () => {
  it("gateway and worker are live and ready, with each check named", async () => {
    for (const port of [bot.gateway?.opsPort, bot.worker?.opsPort]) {
      expect((await get(port, "/livez")).status).toBe(200);
      const ready = await get(port, "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.json()).toMatchObject({ ready: true });
    }
    expect((await get(bot.worker?.opsPort, "/readyz")).json().checks).toEqual({
      models: true,
      redis: true,
      consuming: true,
    });
    expect((await get(bot.gateway?.opsPort, "/readyz")).json().checks).toEqual({
      discord: true,
      redis: true,
    });
  });

  it("exports Prometheus metrics for queue depth, wait, first token, tokens/s, generations and interactions", async () => {
    const guild = fake.createGuild();
    const channel = fake.createChannel(guild.id);
    const user = fake.createUser();
    const ix = await fake.invokeCommand({
      name: "complete",
      options: [
        { name: "text", value: BASE_PATHS.question.prompt },
        { name: "max_tokens", value: 10 },
      ],
      channelId: channel.id,
      user,
    });
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    await fake.waitFor(() => fake.messages(thread).some((m) => /stopped: /.test(m.content)));
    // The job completes once the footer under the answer is posted.
    await vi.waitFor(
      async () => {
        const text = (await get(bot.worker?.opsPort, "/metrics")).text;
        expect(sample(text, "bvi_jobs_total", { outcome: "completed" })).toBe(1);
      },
      { timeout: 5_000, interval: 50 },
    );

    const gateway = (await get(bot.gateway?.opsPort, "/metrics")).text;
    expect(sample(gateway, "bvi_interactions_total", { command: "complete", outcome: "handled" })).toBe(1);
    expect(sample(gateway, "bvi_queue_depth", { state: "completed" })).toBeGreaterThanOrEqual(1);
    expect(sample(gateway, "bvi_interaction_ack_seconds_count")).toBe(1);

    const worker = (await get(bot.worker?.opsPort, "/metrics")).text;
    expect(sample(worker, "bvi_generated_tokens_total", { side: "base" })).toBe(10);
    expect(sample(worker, "bvi_time_to_first_token_seconds_count", { side: "base" })).toBe(1);
    expect(sample(worker, "bvi_tokens_per_second_count", { side: "base" })).toBe(1);
    expect(sample(worker, "bvi_job_wait_seconds_count")).toBe(1);
    expect(sample(worker, "bvi_active_generations")).toBe(0);
    expect(sample(worker, "bvi_jobs_total", { outcome: "completed" })).toBe(1);
    expect(worker).toContain("bvi_discord_rate_limited_total");
  });
});
