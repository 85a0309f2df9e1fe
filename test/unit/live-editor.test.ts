import type { REST } from "discord.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveEditor } from "../../src/discord/live-editor.js";

/** Stands in for Discord's REST API: records requests; each answers when the test says so. */
function fakeRest() {
  const calls: { method: string; route: string; body: { content: string; allowed_mentions?: unknown } }[] = [];
  const pending: (() => void)[] = [];
  const answer = () => pending.shift()?.();
  const handler =
    (method: string) =>
    (route: string, { body }: { body: never }) => {
      calls.push({ method, route, body });
      return new Promise((resolve) => pending.push(() => resolve({ id: String(calls.length) })));
    };
  const rest = { patch: handler("PATCH"), post: handler("POST") } as unknown as REST;
  return { rest, calls, answer, inFlight: () => pending.length };
}

describe("LiveEditor", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("keeps one edit in flight per channel and sends only the newest text next, at an even pace", async () => {
    const { rest, calls, answer, inFlight } = fakeRest();
    const editor = new LiveEditor(rest, { requests: 5, perMs: 5_000 });
    editor.update("c1", "m1", "a");
    editor.update("c1", "m1", "ab");
    editor.update("c1", "m1", "abc");
    expect(calls.map((c) => c.body.content)).toEqual(["a"]);
    expect(inFlight()).toBe(1);
    answer();
    await vi.advanceTimersByTimeAsync(999);
    expect(calls.map((c) => c.body.content)).toEqual(["a"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.body.content)).toEqual(["a", "abc"]);
    editor.close();
  });

  it("stays within the channel's budget and never waits behind stale text", async () => {
    const { rest, calls, answer } = fakeRest();
    const editor = new LiveEditor(rest, { requests: 5, perMs: 5_000 });
    for (let i = 1; i <= 100; i++) {
      editor.update("c1", "m1", `text ${i}`);
      answer();
      await vi.advanceTimersByTimeAsync(100);
    }
    // Updates every 100 ms for 10 s: streaming uses 3 of the 5 requests per 5 s window (2 stay free
    // for final edits), paced one per second; so 7 at most, and the budget is used, not left idle.
    expect(calls.length).toBeLessThanOrEqual(7);
    expect(calls.length).toBeGreaterThanOrEqual(6);
    const sentBeforeFinal = calls.length;
    answer();
    await vi.advanceTimersByTimeAsync(0);
    const done = editor.settle("c1", "m1", "final");
    // The final edit goes out at once: no waiting for the window, nothing stale ahead of it.
    expect(calls.at(-1)?.body.content).toBe("final");
    answer();
    await done;
    expect(calls.at(-1)?.body.content).toBe("final");
    // The final text went out as the next request: nothing stale was queued ahead of it.
    expect(calls.length).toBe(sentBeforeFinal + 1);
    editor.close();
  });

  it("gives channels separate budgets", () => {
    const { rest, calls } = fakeRest();
    const editor = new LiveEditor(rest, { requests: 1, perMs: 5_000 });
    editor.update("c1", "m1", "one");
    editor.update("c2", "m2", "two");
    expect(calls.map((c) => c.route)).toEqual(["/channels/c1/messages/m1", "/channels/c2/messages/m2"]);
    editor.close();
  });

  it("settles with the final text even when it equals nothing pending, and skips a repeat of what Discord has", async () => {
    const { rest, calls, answer } = fakeRest();
    const editor = new LiveEditor(rest);
    const first = editor.settle("c1", "m1", "same");
    answer();
    await first;
    await editor.settle("c1", "m1", "same");
    expect(calls.length).toBe(1);
    editor.close();
  });

  it("sends every create and edit with no mention parsing", async () => {
    const { rest, calls, answer } = fakeRest();
    const editor = new LiveEditor(rest);
    const created = editor.create("c1", "@everyone hi", "nonce-1");
    answer();
    expect(await created).toBe("1");
    editor.update("c1", "m1", "@here");
    for (const call of calls) expect(call.body.allowed_mentions).toEqual({ parse: [] });
    expect(calls[0]?.body).toMatchObject({ nonce: "nonce-1", enforce_nonce: true });
    editor.close();
  });

  it("reports a failed streaming edit and rejects a failed final one", async () => {
    const failures: unknown[] = [];
    const rest = {
      patch: () => Promise.reject(new Error("Unknown Channel")),
    } as unknown as REST;
    const editor = new LiveEditor(rest, undefined, (f) => failures.push(f));
    editor.update("c1", "m1", "x");
    await vi.advanceTimersByTimeAsync(0);
    expect(failures).toHaveLength(1);
    await expect(editor.settle("c1", "m1", "y")).rejects.toThrow("Unknown Channel");
    editor.close();
  });
});
