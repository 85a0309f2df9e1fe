import type { REST } from "discord.js";
import { describe, expect, it } from "vitest";
import { MessageScheduler } from "../../workers/output/message-scheduler.js";
import { OutputStream } from "../../workers/output/output-stream.js";

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
const roomy = { requests: 100, perMs: 1_000, reserve: 2 };

describe("OutputStream", () => {
  it("posts the first message with the first text, streams into it, and ends with the whole text and stats", async () => {
    const { rest, messages, creates } = fakeRest();
    const saved: string[][] = [];
    const stream = new OutputStream({
      scheduler: new MessageScheduler(rest, roomy),
      channelId: "1",
      frame,
      messageIds: [],
      nonceKey: "job:base",
      saveMessageIds: (ids) => void saved.push([...ids]),
    });
    stream.update(" once");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(creates.map((c) => c.content)).toEqual([expect.stringContaining("**Go:** once\n-# ✍️ generating…")]);
    expect(saved).toEqual([["100"]]);
    await stream.finish(result(" once upon a time"));
    expect(messages.get("100")).toMatch(
      /\*\*Go:\*\* once upon a time\n-# 500 tokens .* stopped: token limit \(500\)\n-# 💡 It ran into the 500-token limit: a base model has no idea of a turn/,
    );
  });

  it("fills each message before adding the next, with stable nonces; a retry reuses the recorded ids", async () => {
    const { rest, messages, creates } = fakeRest();
    const long = "word ".repeat(600); // about 3000 characters: two messages
    const saved: string[][] = [];
    const options = {
      scheduler: new MessageScheduler(rest, roomy),
      channelId: "1",
      frame,
      nonceKey: "job:base",
      saveMessageIds: (ids: readonly string[]) => void saved.push([...ids]),
    };
    const first = new OutputStream({ ...options, messageIds: [] });
    await first.finish(result(long));
    const ids = saved.at(-1) ?? [];
    expect(ids).toHaveLength(2);
    expect(messages.get(ids[0] ?? "")?.length).toBeGreaterThan(1700);
    expect(new Set(creates.map((c) => c.nonce)).size).toBe(2);
    expect(messages.get(ids[0] ?? "")).not.toMatch(/stopped:|generating/);

    // A retry with the recorded ids edits them and creates nothing.
    const createsBefore = creates.length;
    const retry = new OutputStream({ ...options, messageIds: ids });
    await retry.finish(result(long));
    expect(creates.length).toBe(createsBefore);
    expect(ids.map((id) => messages.get(id)?.length ?? 0).every((n) => n > 0 && n <= 2000)).toBe(true);
    expect(messages.get(ids[1] ?? "")).toMatch(/stopped: token limit/);
  });
});

describe("OutputStream when Discord refuses a message", () => {
  it("does not try the create again and reports it once", async () => {
    let posts = 0;
    const { DiscordAPIError } = await import("discord.js");
    const rest = {
      post: (route: string) => {
        posts += 1;
        return Promise.reject(
          new DiscordAPIError({ code: 10003, message: "Unknown Channel" }, 10003, 404, "POST", route, {}),
        );
      },
      patch: () => Promise.resolve({}),
    } as unknown as REST;
    const errors: unknown[] = [];
    const stream = new OutputStream({
      scheduler: new MessageScheduler(rest),
      channelId: "1",
      frame,
      messageIds: [],
      nonceKey: "job:base",
      saveMessageIds: () => {},
      onError: (error) => errors.push(error),
    });
    for (let i = 1; i < 20; i++) stream.update("x".repeat(i * 200));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(stream.finish(result("done"))).rejects.toThrow("Unknown Channel");
    expect(posts).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
