import { DiscordAPIError, type REST } from "discord.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MessageScheduler, type PostView } from "../../workers/output/message-scheduler.js";

interface Call {
  method: "POST" | "PATCH";
  route: string;
  at: number;
  body: { content: string; allowed_mentions?: unknown; nonce?: string; enforce_nonce?: boolean };
}

/** Stands in for Discord's REST API: records requests and keeps messages; answers at once unless held. */
function fakeRest(options: { hold?: boolean } = {}) {
  const calls: Call[] = [];
  const messages = new Map<string, string>();
  const held: (() => void)[] = [];
  let failures: { status: number; code: number; times: number } | null = null;
  let next = 100;
  const handler =
    (method: Call["method"]) =>
    (route: string, { body }: { body: Call["body"] }) => {
      calls.push({ method, route, body, at: Date.now() });
      if (failures && failures.times > 0) {
        failures.times -= 1;
        const { status, code } = failures;
        return Promise.reject(new DiscordAPIError({ code, message: "failed" }, code, status, method, route, { body }));
      }
      const id = method === "POST" ? String(next++) : (route.split("/").pop() ?? "");
      const answer = () => messages.set(id, body.content);
      if (!options.hold) {
        answer();
        return Promise.resolve({ id });
      }
      return new Promise((resolve) =>
        held.push(() => {
          answer();
          resolve({ id });
        }),
      );
    };
  const rest = { patch: handler("PATCH"), post: handler("POST") } as unknown as REST;
  return {
    rest,
    calls,
    messages,
    release: () => held.shift()?.(),
    inFlight: () => held.length,
    failNext: (status: number, code: number, times = 1) => {
      failures = { status, code, times };
    },
  };
}

/** A post whose view the test sets. */
function viewed(initial: PostView) {
  let view = initial;
  return {
    render: () => view,
    set: (next: Partial<PostView>) => {
      view = { ...view, ...next };
    },
  };
}

const text = (pieces: string[], status = "-# generating…") => ({ pieces, status });

describe("MessageScheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("posts the first message with the first text, not an empty placeholder", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const v = viewed({ ...text(["label"]), empty: true });
    const post = scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render });
    post.changed();
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(0);
    v.set({ pieces: ["label\nOnce"], empty: false });
    post.changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => [c.method, c.body.content])).toEqual([["POST", "label\nOnce\n-# generating…"]]);
    scheduler.close();
  });

  it("shows an empty post after a while, so a slow start is visible", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const v = viewed({ ...text(["label"]), empty: true });
    scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render, emptyAfterMs: 1_000 }).changed();
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.body.content)).toEqual(["label\n-# generating…"]);
    scheduler.close();
  });

  it("keeps one request in flight per channel and sends only the newest text next, at an even pace", async () => {
    const { rest, calls, release, inFlight } = fakeRest({ hold: true });
    const scheduler = new MessageScheduler(rest, { requests: 5, perMs: 5_000, reserve: 2 });
    const v = viewed(text(["a"]));
    const post = scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render });
    post.changed();
    for (const t of ["ab", "abc"]) {
      v.set({ pieces: [t] });
      post.changed();
    }
    expect(calls.map((c) => c.body.content)).toEqual(["a\n-# generating…"]);
    expect(inFlight()).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.body.content)).toEqual(["a\n-# generating…", "abc\n-# generating…"]);
    release();
    scheduler.close();
  });

  it("counts creates and edits against one budget and keeps room for the final request", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest, { requests: 5, perMs: 5_000, reserve: 2 });
    const v = viewed(text(["p1"]));
    const post = scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render });
    // Text grows every 100 ms for 10 s, by a new message every second.
    for (let i = 1; i <= 100; i++) {
      const count = Math.ceil(i / 10);
      v.set({ pieces: Array.from({ length: count }, (_, k) => (k < count - 1 ? `piece ${k}` : `piece ${k} at ${i}`)) });
      post.changed();
      await vi.advanceTimersByTimeAsync(100);
    }
    for (let start = 0; start <= 10_000; start += 100) {
      const window = calls.filter((c) => c.at >= start && c.at < start + 5_000);
      expect(window.length).toBeLessThanOrEqual(3);
    }
    expect(calls.filter((c) => c.method === "POST").length).toBeGreaterThan(2);
    const before = calls.length;
    v.set({ status: "-# done" });
    const done = post.finish();
    await vi.advanceTimersByTimeAsync(0);
    // The final requests go out at once, whatever streaming has used.
    expect(calls[before]?.at).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(60_000);
    await done;
    scheduler.close();
  });

  it("on Stop with messages still to post, shows who stopped it in the first request, then posts the rest", async () => {
    const { rest, calls, messages } = fakeRest();
    const scheduler = new MessageScheduler(rest, { requests: 5, perMs: 5_000, reserve: 2 });
    const v = viewed(text(["one"]));
    const post = scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render });
    post.changed();
    await vi.advanceTimersByTimeAsync(0);
    // The model outruns Discord: four messages' worth of text, one message posted, the streaming budget spent.
    v.set({ pieces: ["one!", "two", "three", "four"] });
    post.changed();
    await vi.advanceTimersByTimeAsync(2_100);
    const before = calls.length;
    v.set({ status: "-# stopped: mod pressed Stop", pending: "-# ⏹️ mod pressed Stop · the rest follows below" });
    const done = post.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[before]?.body.content).toMatch(/⏹️ mod pressed Stop/);
    expect(calls[before]?.at).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(30_000);
    await done;
    expect(post.messageIds.map((id) => messages.get(id))).toEqual([
      "one!",
      "two",
      "three",
      "four\n-# stopped: mod pressed Stop",
    ]);
    scheduler.close();
  });

  it("posts a later post's first message only after the earlier one's, whichever has text first", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const a = viewed({ ...text(["A"]), empty: true });
    const b = viewed(text(["B: hello"]));
    const first = scheduler.open({ channelId: "c1", nonceKey: "a", render: a.render });
    const second = scheduler.open({ channelId: "c1", nonceKey: "b", render: b.render, after: first });
    second.changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.body.content)).toEqual(["A\n-# generating…", "B: hello\n-# generating…"]);
    expect(first.messageIds).toEqual(["100"]);
    expect(second.messageIds).toEqual(["101"]);
    scheduler.close();
  });

  it("replaces a streaming request that failed on Discord's side with the next, and stops a refused post", async () => {
    const { rest, calls, failNext, messages } = fakeRest();
    const transient: unknown[] = [];
    const refused: unknown[] = [];
    const scheduler = new MessageScheduler(rest, undefined, (f) => transient.push(f.error));
    const v = viewed(text(["a"]));
    const post = scheduler.open({
      channelId: "c1",
      nonceKey: "k",
      render: v.render,
      onError: (e) => refused.push(e),
    });
    post.changed();
    await vi.advanceTimersByTimeAsync(0);
    failNext(502, 0);
    v.set({ pieces: ["ab"] });
    post.changed();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transient).toHaveLength(1);
    v.set({ pieces: ["abc"] });
    post.changed();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(messages.get("100")).toBe("abc\n-# generating…");
    expect(refused).toHaveLength(0);

    failNext(404, 10008);
    v.set({ pieces: ["abcd"] });
    post.changed();
    // Streaming has used its 3 requests of this 5 s window.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(refused).toHaveLength(1);
    const sent = calls.length;
    v.set({ pieces: ["abcde"] });
    post.changed();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.length).toBe(sent);
    await expect(post.finish()).rejects.toThrow();
    scheduler.close();
  });

  it("tries a final request again after a server error, and rejects once Discord refuses it", async () => {
    const { rest, failNext, messages } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const v = viewed(text(["a"], "-# done"));
    const post = scheduler.open({ channelId: "c1", nonceKey: "k", render: v.render });
    failNext(500, 0, 2);
    const done = post.finish();
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    expect(messages.get("100")).toBe("a\n-# done");

    const other = scheduler.open({ channelId: "c2", nonceKey: "k2", render: v.render });
    failNext(403, 50013);
    const refused = other.finish();
    const check = expect(refused).rejects.toBeInstanceOf(DiscordAPIError);
    await vi.advanceTimersByTimeAsync(0);
    await check;
    scheduler.close();
  });

  it("sends every create and edit with no mention parsing; creates carry a stable nonce", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const v = viewed(text(["@everyone hi"]));
    const post = scheduler.open({ channelId: "c1", nonceKey: "job:base", render: v.render });
    post.changed();
    await vi.advanceTimersByTimeAsync(0);
    v.set({ pieces: ["@here"] });
    post.changed();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.body.allowed_mentions).toEqual({ parse: [] });
    expect(calls[0]?.body).toMatchObject({ enforce_nonce: true });
    expect(calls[0]?.body.nonce).toMatch(/^[\w-]{1,25}$/);
    scheduler.close();
  });

  it("gives channels separate budgets", async () => {
    const { rest, calls } = fakeRest();
    const scheduler = new MessageScheduler(rest, { requests: 1, perMs: 5_000, reserve: 0 });
    scheduler.open({ channelId: "c1", nonceKey: "a", render: () => text(["one"]) }).changed();
    scheduler.open({ channelId: "c2", nonceKey: "b", render: () => text(["two"]) }).changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.route)).toEqual(["/channels/c1/messages", "/channels/c2/messages"]);
    scheduler.close();
  });

  it("edits the messages an earlier attempt posted, and marks those a shorter answer no longer needs", async () => {
    const { rest, calls, messages } = fakeRest();
    const scheduler = new MessageScheduler(rest);
    const post = scheduler.open({
      channelId: "c1",
      nonceKey: "k",
      messageIds: ["7", "8"],
      render: () => text(["short"], "-# done"),
    });
    await post.finish();
    expect(calls.every((c) => c.method === "PATCH")).toBe(true);
    expect(messages.get("7")).toBe("short\n-# done");
    expect(messages.get("8")).toMatch(/not needed/);
    scheduler.close();
  });
});
