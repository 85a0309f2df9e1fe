import type { REST } from "discord.js";
import { describe, expect, it } from "vitest";
import { LiveEditor } from "../../src/discord/live-editor.js";
import { OutputStream } from "../../src/discord/output-stream.js";

/** Stands in for Discord's REST API: keeps messages by id, answers at once. */
function fakeRest() {
  const messages = new Map<string, string>();
  const creates: { content: string; nonce?: string }[] = [];
  const edits: { id: string; content: string }[] = [];
  let next = 100;
  const rest = {
    post: (_route: string, { body }: { body: { content: string; nonce?: string } }) => {
      creates.push(body);
      const id = String(next++);
      messages.set(id, body.content);
      return Promise.resolve({ id });
    },
    patch: (route: string, { body }: { body: { content: string } }) => {
      const id = route.split("/").pop() ?? "";
      edits.push({ id, content: body.content });
      messages.set(id, body.content);
      return Promise.resolve({ id });
    },
  } as unknown as REST;
  return { rest, messages, creates, edits };
}

const frame = { kind: "complete", side: "base", modelName: "tiny-base", prompt: "Go:", maxTokens: 500 } as const;
const result = (text: string) => ({
  text,
  tokens: 500,
  stopReason: "tokenLimit" as const,
  timeToFirstTokenMs: 5,
  durationMs: 100,
});

describe("OutputStream", () => {
  it("posts the first message, streams text into it, and ends with the whole text and stats", async () => {
    const { rest, messages, edits } = fakeRest();
    const saved: string[][] = [];
    const stream = new OutputStream({
      editor: new LiveEditor(rest, { requests: 100, perMs: 1_000 }),
      channelId: "1",
      frame,
      messageIds: [],
      nonceKey: "job:base",
      saveMessageIds: (ids) => Promise.resolve(void saved.push([...ids])),
    });
    await stream.begin();
    expect(saved).toEqual([["100"]]);
    stream.update(" once");
    await stream.finish(result(" once upon a time"));
    expect(edits.some((e) => e.content.includes("**Go:** once\n-# ✍️ generating…"))).toBe(true);
    expect(messages.get("100")).toMatch(
      /\*\*Go:\*\* once upon a time\n-# 500 tokens .* stopped: token limit \(500\)\n-# 💡 It ran into the 500-token limit: a base model has no idea of a turn/,
    );
  });

  it("adds overflow messages with stable nonces and records their ids; a retry reuses them", async () => {
    const { rest, messages, creates } = fakeRest();
    const long = "word ".repeat(600); // about 3000 characters: three messages
    const saved: string[][] = [];
    const options = {
      editor: new LiveEditor(rest, { requests: 100, perMs: 1_000 }),
      channelId: "1",
      frame,
      nonceKey: "job:base",
      saveMessageIds: (ids: readonly string[]) => Promise.resolve(void saved.push([...ids])),
    };
    const first = new OutputStream({ ...options, messageIds: [] });
    await first.begin();
    await first.finish(result(long));
    const ids = saved.at(-1) ?? [];
    expect(ids).toHaveLength(3);
    expect(new Set(creates.map((c) => c.nonce)).size).toBe(3);

    // A retry with the recorded ids edits them and creates nothing.
    const createsBefore = creates.length;
    const retry = new OutputStream({ ...options, messageIds: ids });
    await retry.begin();
    await retry.finish(result(long));
    expect(creates.length).toBe(createsBefore);
    expect(ids.map((id) => messages.get(id)?.length ?? 0).every((n) => n > 0 && n <= 2000)).toBe(true);
    expect(messages.get(ids[2] ?? "")).toMatch(/stopped: token limit/);
  });

  it("marks messages a shorter retry no longer needs instead of leaving stale text", async () => {
    const { rest, messages } = fakeRest();
    const stream = new OutputStream({
      editor: new LiveEditor(rest, { requests: 100, perMs: 1_000 }),
      channelId: "1",
      frame,
      messageIds: ["7", "8"],
      nonceKey: "job:base",
      saveMessageIds: () => Promise.resolve(),
    });
    await stream.finish(result(" short"));
    expect(messages.get("7")).toContain("**Go:** short");
    expect(messages.get("8")).toMatch(/not needed/);
  });
});

describe("OutputStream when Discord refuses a message", () => {
  it("does not try the create again and reports it once", async () => {
    let posts = 0;
    const rest = {
      post: () => {
        posts += 1;
        return Promise.reject(new Error("Unknown Channel"));
      },
      patch: () => Promise.resolve({}),
    } as unknown as REST;
    const errors: unknown[] = [];
    const stream = new OutputStream({
      editor: new LiveEditor(rest),
      channelId: "1",
      frame,
      messageIds: [],
      nonceKey: "job:base",
      saveMessageIds: () => Promise.resolve(),
      onError: (error) => errors.push(error),
    });
    for (let i = 0; i < 20; i++) stream.update("x".repeat(i * 200));
    await expect(stream.finish(result("done"))).rejects.toThrow("Unknown Channel");
    expect(posts).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
