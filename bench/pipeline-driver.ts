import type { FakeDiscord, FakeUser } from "../test/support/fake-discord/index.js";
import type { BenchCommand, RawSide } from "./raw-pair.js";
import { traceRequest, type RequestTrace } from "./request-trace.js";

/** The options every request of a phase carries. */
export interface RequestOptions {
  command: BenchCommand;
  /** `/complete text:` or `/compare prompt:`. */
  text: string;
  temperature: number;
  maxTokens: number;
  seed: number;
}

/** A batch of interactions fired together. */
export interface Dispatched {
  ids: string[];
  /** The sides each answer shows, and the prompt (to tell the generated text from it). */
  sides: RawSide[];
  prompt: string;
  /** Milliseconds the bench took to fire them all (first to last dispatch). */
  spreadMs: number;
}

/**
 * Plays the users: fires `/complete` or `/compare` interactions at the fake Discord and waits for the bot's answers.
 * Each request of a batch comes from a channel (and user) of its own, taken in turn from a pool, as independent users
 * in different channels would send them: Discord's per-channel limits (10 threads per 10 s in a channel) apply per
 * request, not to one channel the whole run keeps using.
 */
export class PipelineDriver {
  private next = 0;

  private constructor(
    private readonly fake: FakeDiscord,
    private readonly slots: readonly { channelId: string; user: FakeUser }[],
  ) {}

  /** Creates a guild with `slots` text channels and as many users (at least 64: the pool the requests rotate over). */
  static setUp(fake: FakeDiscord, slots: number): PipelineDriver {
    const guild = fake.createGuild({ name: "bench" });
    const made = Array.from({ length: Math.max(64, slots) }, (_, i) => ({
      channelId: fake.createChannel(guild.id, { name: `bench-${i}` }).id,
      user: fake.createUser({ username: `user${i}` }),
    }));
    return new PipelineDriver(fake, made);
  }

  /** Fires `count` interactions as fast as possible, each from the next channel of the pool. */
  async dispatch(count: number, options: RequestOptions): Promise<Dispatched> {
    if (count > this.slots.length) throw new Error(`only ${this.slots.length} channels for ${count} requests`);
    const commandOptions = [
      { name: options.command === "compare" ? "prompt" : "text", value: options.text },
      { name: "temperature", value: options.temperature },
      { name: "max_tokens", value: options.maxTokens },
      { name: "seed", value: options.seed },
    ];
    const startedAt = performance.now();
    const batch = Array.from({ length: count }, (_, i) => this.slots[(this.next + i) % this.slots.length]);
    this.next = (this.next + count) % this.slots.length;
    const pending = batch
      .filter((slot) => slot !== undefined)
      .map(({ channelId, user }) =>
        this.fake.invokeCommand({ name: options.command, options: commandOptions, channelId, user }),
      );
    const spreadMs = performance.now() - startedAt;
    const invoked = await Promise.all(pending);
    const sides: RawSide[] = options.command === "compare" ? ["base", "instruct"] : ["base"];
    return { ids: invoked.map((ix) => ix.id), spreadMs, sides, prompt: options.text };
  }

  /**
   * Waits until every interaction of `sent` shows its final stats line on every side, or `timeoutMs` has passed; resolves
   * with the traces of those that finished and the ids of those that did not. Polls every `pollMs` rather
   * than on every change of the fake, to keep the bench's own load (it hosts the fake) low; the times in
   * the traces come from the fake's records, so polling does not change them.
   */
  async waitForFinal(
    sent: Dispatched,
    timeoutMs: number,
    pollMs = 50,
  ): Promise<{ traces: RequestTrace[]; missing: string[] }> {
    const { ids } = sent;
    const done = new Map<string, RequestTrace>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const id of ids) {
        if (done.has(id)) continue;
        const trace = traceRequest(this.fake, id, sent.sides, sent.prompt);
        if (trace) done.set(id, trace);
      }
      if (done.size === ids.length || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return {
      traces: ids.map((id) => done.get(id)).filter((t): t is RequestTrace => t !== undefined),
      missing: ids.filter((id) => !done.has(id)),
    };
  }

  /** The interactions in `ids` that were never acknowledged. */
  unacknowledged(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.fake.interaction(id).acknowledged);
  }
}
