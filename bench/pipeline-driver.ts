import type { FakeDiscord, FakeUser } from "../test/support/fake-discord/index.js";
import { traceRequest, type RequestTrace } from "./request-trace.js";

/** The options every /complete request of a phase carries. */
export interface CompleteOptions {
  text: string;
  temperature: number;
  maxTokens: number;
  seed: number;
}

/** A batch of interactions fired together. */
export interface Dispatched {
  ids: string[];
  /** Milliseconds the bench took to fire them all (first to last dispatch). */
  spreadMs: number;
}

/**
 * Plays the users: fires `/complete` interactions at the fake Discord and waits for the bot's answers.
 * Request `i` of a batch comes from channel `i` (its own user, its own thread), as independent users in
 * different channels would send them, so Discord's per-channel limits apply per request.
 */
export class PipelineDriver {
  private constructor(
    private readonly fake: FakeDiscord,
    private readonly slots: readonly { channelId: string; user: FakeUser }[],
  ) {}

  /** Creates a guild with `slots` text channels and as many users. */
  static setUp(fake: FakeDiscord, slots: number): PipelineDriver {
    const guild = fake.createGuild({ name: "bench" });
    const made = Array.from({ length: slots }, (_, i) => ({
      channelId: fake.createChannel(guild.id, { name: `bench-${i}` }).id,
      user: fake.createUser({ username: `user${i}` }),
    }));
    return new PipelineDriver(fake, made);
  }

  /** Fires `count` /complete interactions as fast as possible, request i in channel i. */
  async dispatch(count: number, options: CompleteOptions): Promise<Dispatched> {
    if (count > this.slots.length) throw new Error(`only ${this.slots.length} channels for ${count} requests`);
    const commandOptions = [
      { name: "text", value: options.text },
      { name: "temperature", value: options.temperature },
      { name: "max_tokens", value: options.maxTokens },
      { name: "seed", value: options.seed },
    ];
    const startedAt = performance.now();
    const pending = this.slots
      .slice(0, count)
      .map(({ channelId, user }) =>
        this.fake.invokeCommand({ name: "complete", options: commandOptions, channelId, user }),
      );
    const spreadMs = performance.now() - startedAt;
    const invoked = await Promise.all(pending);
    return { ids: invoked.map((ix) => ix.id), spreadMs };
  }

  /**
   * Waits until every interaction in `ids` shows its final stats line, or `timeoutMs` has passed; resolves
   * with the traces of those that finished and the ids of those that did not. Polls every `pollMs` rather
   * than on every change of the fake, to keep the bench's own load (it hosts the fake) low; the times in
   * the traces come from the fake's records, so polling does not change them.
   */
  async waitForFinal(
    ids: readonly string[],
    timeoutMs: number,
    pollMs = 50,
  ): Promise<{ traces: RequestTrace[]; missing: string[] }> {
    const done = new Map<string, RequestTrace>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const id of ids) {
        if (done.has(id)) continue;
        const trace = traceRequest(this.fake, id);
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
