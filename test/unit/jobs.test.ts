import { describe, expect, it } from "vitest";
import { jobIdFor, JOB_VERSION, parseJob, sidesOf, type GenerationJob } from "../../src/shared/jobs.js";

const job: GenerationJob = {
  v: JOB_VERSION,
  kind: "compare",
  prompt: "What is the capital of France?",
  sampling: { temperature: 0.7, maxTokens: 64, seed: 42 },
  pairId: "default",
  requestedBy: { userId: "111111111111111111", displayName: "Ada" },
  interactionId: "222222222222222222",
  target: { guildId: "333333333333333333", channelId: "444444444444444444", outputs: {} },
  createdAt: 1_700_000_000_000,
};

describe("the job contract", () => {
  it("accepts a well-formed job unchanged", () => {
    expect(parseJob(structuredClone(job))).toEqual(job);
  });

  it("derives the job id from the interaction id", () => {
    expect(jobIdFor("222222222222222222")).toBe("ix-222222222222222222");
  });

  it.each([
    ["an unknown version", { ...job, v: 2 }],
    ["an unknown kind", { ...job, kind: "chat" }],
    ["an empty prompt", { ...job, prompt: "" }],
    ["a temperature above 2", { ...job, sampling: { ...job.sampling, temperature: 2.5 } }],
    ["a fractional seed", { ...job, sampling: { ...job.sampling, seed: 1.5 } }],
    ["a channel id that is not a snowflake", { ...job, target: { ...job.target, channelId: "general" } }],
  ])("rejects %s", (_, data) => {
    expect(() => parseJob(data)).toThrow();
  });

  it("carries no secret: unknown fields such as a token are dropped", () => {
    const parsed = parseJob({ ...job, token: "secret" });
    expect(JSON.stringify(parsed)).not.toContain("secret");
  });

  it("lists the sides each kind generates", () => {
    expect(sidesOf({ kind: "compare" })).toEqual(["base", "instruct"]);
    expect(sidesOf({ kind: "compare", order: ["instruct", "base"] })).toEqual(["instruct", "base"]);
    expect(sidesOf({ kind: "compare", mode: "matrix" })).toEqual(["base", "baseChat", "instructRaw", "instruct"]);
    expect(sidesOf({ kind: "ask" })).toEqual(["instruct"]);
    expect(sidesOf({ kind: "complete" })).toEqual(["base"]);
  });
});
