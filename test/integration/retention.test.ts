import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FAILED_JOBS_KEPT, jobOptions } from "../../src/shared/jobs.js";
import { appendTurn, loadConversation } from "../../src/shared/store/conversations.js";
import { keys } from "../../src/shared/store/keys.js";
import { loadResult, loadVotedComparisons, saveResult, voteRefusal } from "../../src/shared/store/results.js";
import type { Retention } from "../../src/shared/store/retention.js";
import { loadTally } from "../../src/shared/store/tallies.js";
import { castVote } from "../../src/shared/store/votes.js";
import { announceWorker, onlineWorkers, type WorkerInfo } from "../../src/shared/store/worker-registry.js";
import { comparisonRecord } from "../support/comparisons.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
const fresh = () => {
  const prefix = uniquePrefix("retention");
  prefixes.push(prefix);
  return prefix;
};
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});
afterAll(() => redis.disconnect());

const GUILD = "100000000000000001";
const REQUESTER = "200000000000000001";
const VOTER = "300000000000000001";

/** Resolves once `check` holds, checking every 50 ms; fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const expiresAt = async (key: string) => Number(await redis.call("PEXPIRETIME", key));

describe("retention (real Redis, real expiry)", () => {
  // Seconds instead of days: the same code paths, in a test's time.
  const short: Retention = { resultMs: 1_500, voteMs: 3_000, conversationMs: 1_500 };

  it("a voted comparison, its votes and their tally expire together; other results sooner; indexes prune", async () => {
    const prefix = fresh();
    // Made at the start of a tally period (votes count per period), so the voted one outlives the other.
    const createdAt = Math.ceil(Date.now() / short.voteMs) * short.voteMs;
    const voted = comparisonRecord({ requestedBy: REQUESTER, createdAt });
    const unvoted = comparisonRecord({ requestedBy: REQUESTER, createdAt });
    await saveResult(redis, prefix, voted, short);
    await saveResult(redis, prefix, unvoted, short);
    await castVote(redis, prefix, voted, VOTER, "B", short);

    const bucket = (await redis.zrange(keys.tallyBuckets(prefix, GUILD), 0, -1))[0]!;
    const expiry = await expiresAt(keys.result(prefix, voted.id));
    expect(expiry).toBe(voted.createdAt + short.voteMs);
    expect(await expiresAt(keys.votes(prefix, voted.id))).toBe(expiry);
    expect(await expiresAt(keys.tally(prefix, GUILD, bucket))).toBe(expiry);
    expect(await expiresAt(keys.result(prefix, unvoted.id))).toBe(unvoted.createdAt + short.resultMs);
    // Every index a member's data is filed under expires too: after its entries, within the longest retention.
    for (const index of [keys.userVotes(prefix, VOTER), keys.userResults(prefix, REQUESTER)]) {
      expect(await expiresAt(index)).toBeGreaterThanOrEqual(expiry);
      expect(await expiresAt(index)).toBeLessThanOrEqual(Math.max(Date.now() + short.voteMs, expiry));
    }
    expect((await loadTally(redis, prefix, GUILD)).cells).toHaveLength(1);

    await until(async () => (await loadResult(redis, prefix, unvoted.id)) === null);
    expect(await loadVotedComparisons(redis, prefix, { guildId: GUILD })).toHaveLength(1);
    await until(async () => (await loadTally(redis, prefix, GUILD)).cells.length === 0);
    expect(await loadResult(redis, prefix, voted.id)).toBeNull();
    expect(await redis.exists(keys.votes(prefix, voted.id))).toBe(0);
    expect(await loadVotedComparisons(redis, prefix, { guildId: GUILD })).toEqual([]);

    // Expired entries leave the indexes as new ones arrive.
    const later = comparisonRecord({ requestedBy: REQUESTER });
    await saveResult(redis, prefix, later, short);
    for (const index of [
      keys.guildResults(prefix, GUILD),
      keys.guildVotable(prefix, GUILD),
      keys.allVotable(prefix),
      keys.userResults(prefix, REQUESTER),
    ]) {
      expect(await redis.zrange(index, 0, -1)).toEqual([later.id]);
    }
  });

  it("takes no more votes on a comparison past the vote retention", () => {
    const old = comparisonRecord({ createdAt: Date.now() - 10_000 });
    expect(voteRefusal(old, short)).toBe("tooOld");
    expect(voteRefusal(comparisonRecord(), short)).toBeNull();
  });

  it("forgets a conversation the retention after its last exchange", async () => {
    const prefix = fresh();
    const author = { userId: REQUESTER, guildId: GUILD };
    await appendTurn(redis, prefix, "500000000000000001", { prompt: "hi", answer: "OK" }, author, short);
    expect(await loadConversation(redis, prefix, "500000000000000001")).toEqual([{ prompt: "hi", answer: "OK" }]);
    const until1 = await expiresAt(keys.conversation(prefix, "500000000000000001"));
    expect(until1).toBeLessThanOrEqual(Date.now() + short.conversationMs);
    expect(await expiresAt(keys.conversationStarter(prefix, "500000000000000001"))).toBe(until1);
    await until(async () => (await loadConversation(redis, prefix, "500000000000000001")).length === 0);
    expect(await redis.exists(keys.conversationStarter(prefix, "500000000000000001"))).toBe(0);
  });
});

describe("the worker registry", () => {
  const worker = (name: string, seenAt: number): WorkerInfo => ({
    name,
    host: "h",
    backend: "CPU",
    sequences: 2,
    models: {} as WorkerInfo["models"],
    startedAt: seenAt,
    seenAt,
  });

  it("forgets workers gone quiet on every heartbeat, not only when /models runs", async () => {
    const prefix = fresh();
    const now = Date.now();
    for (let i = 0; i < 5; i++) await announceWorker(redis, prefix, worker(`gone-${i}`, now - 60_000));
    await announceWorker(redis, prefix, worker("alive", now));
    expect(await redis.zrange(`${prefix}:workers`, 0, -1)).toEqual(["alive"]);
    expect(await redis.hkeys(`${prefix}:workers:info`)).toEqual(["alive"]);
    expect((await onlineWorkers(redis, prefix, now)).map((w) => w.name)).toEqual(["alive"]);
  });
});

describe("failed jobs", () => {
  it("are kept 7 days at most, and never more than a bounded number", () => {
    expect(jobOptions.removeOnFail).toEqual({ age: 7 * 24 * 3600, count: FAILED_JOBS_KEPT });
    expect(FAILED_JOBS_KEPT).toBeLessThanOrEqual(10_000);
  });
});
