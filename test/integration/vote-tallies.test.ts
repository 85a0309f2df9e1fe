import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/shared/preferences/bradley-terry.js";
import { preferenceRows } from "../../src/shared/preferences/export.js";
import { summarizeTally } from "../../src/shared/preferences/leaderboard.js";
import { tallyCells, tallyField, type TallyCell } from "../../src/shared/preferences/tally.js";
import type { VoteChoice } from "../../src/shared/preferences/types.js";
import { adoptLegacyComparisons } from "../../src/shared/store/adopt-legacy.js";
import { forgetMember } from "../../src/shared/store/forget-member.js";
import { purgeGuild } from "../../src/shared/store/purge-guild.js";
import { keys } from "../../src/shared/store/keys.js";
import { loadResult, loadVotedComparisons, saveResult, voteRefusal } from "../../src/shared/store/results.js";
import { DAY_MS, DEFAULT_RETENTION, voteExpiry } from "../../src/shared/store/retention.js";
import { loadTally } from "../../src/shared/store/tallies.js";
import { castVote, removeVote, voteOf } from "../../src/shared/store/votes.js";
import { comparisonRecord } from "../support/comparisons.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
const fresh = () => {
  const prefix = uniquePrefix("tallies");
  prefixes.push(prefix);
  return prefix;
};
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});
afterAll(() => redis.disconnect());

const GUILD = "100000000000000001";
const CHOICES: VoteChoice[] = ["A", "B", "tie", "bothBad"];
const counts = (cells: readonly TallyCell[]): Record<string, number> =>
  Object.fromEntries(cells.map((cell): [string, number] => [tallyField(cell), cell.comparisons]).sort());

/** The incremental tally in Redis, and the tally rebuilt from scratch from the stored votes. */
async function bothTallies(prefix: string, guildId: string | null = GUILD) {
  const incremental = counts((await loadTally(redis, prefix, guildId)).cells);
  const rebuilt = counts(tallyCells(await loadVotedComparisons(redis, prefix, { guildId })));
  return { incremental, rebuilt };
}

describe("the vote tally in Redis (real Redis, one atomic script per vote)", () => {
  it("moves a changed vote instead of adding one, and always equals the tally rebuilt from the votes", async () => {
    const prefix = fresh();
    const random = mulberry32(4);
    const prompts = ["What is the capital of France?", "Write a poem about the sea", "Hi there!"];
    const records = Array.from({ length: 12 }, (_, i) =>
      comparisonRecord({
        blind: i % 3 === 0,
        order: i % 2 === 0 ? ["base", "instruct"] : ["instruct", "base"],
        prompt: prompts[i % 3]!,
        ...(i >= 9 ? { models: { base: "other-base", instruct: "other-instruct" } } : {}),
      }),
    );
    for (const record of records) await saveResult(redis, prefix, record);
    // One member votes A on a labelled comparison, then changes to B: one vote, for B.
    const first = records.find((r) => !r.blind && r.order[1] === "instruct");
    await castVote(redis, prefix, first!, "300000000000000001", "A");
    await castVote(redis, prefix, first!, "300000000000000001", "B");
    let summary = summarizeTally((await loadTally(redis, prefix, GUILD)).cells);
    expect(summary.labelled.overall.totals).toMatchObject({ votes: 1, comparisons: 1 });
    expect(summary.labelled.overall.players[0]).toMatchObject({ role: "instruct", wins: 1, losses: 0 });

    for (let step = 0; step < 400; step++) {
      const record = records[Math.floor(random() * records.length)]!;
      const voter = `30000000000000000${Math.floor(random() * 8)}`;
      if (random() < 0.15) await removeVote(redis, prefix, record, voter);
      else await castVote(redis, prefix, record, voter, CHOICES[Math.floor(random() * 4)]!);
    }
    const { incremental, rebuilt } = await bothTallies(prefix);
    expect(Object.keys(incremental).length).toBeGreaterThan(5);
    expect(incremental).toEqual(rebuilt);
    summary = summarizeTally((await loadTally(redis, prefix, GUILD)).cells);
    const stored = await loadVotedComparisons(redis, prefix, { guildId: GUILD });
    const votes = stored.reduce((sum, c) => sum + Object.keys(c.votes).length, 0);
    expect(summary.blind.overall.totals.votes + summary.labelled.overall.totals.votes).toBe(votes);
    // Two pairs that never met: ranked in two groups.
    expect(summary.labelled.overall.groups).toHaveLength(2);
  });

  it("stays exact under 60 votes and changes at once on one comparison", async () => {
    const prefix = fresh();
    const record = comparisonRecord({ blind: true });
    await saveResult(redis, prefix, record);
    const voters = Array.from({ length: 30 }, (_, i) => `4000000000000000${String(i).padStart(2, "0")}`);
    await Promise.all(voters.map((voter, i) => castVote(redis, prefix, record, voter, CHOICES[i % 4]!)));
    await Promise.all(voters.map((voter, i) => castVote(redis, prefix, record, voter, CHOICES[(i + 1) % 4]!)));
    const { incremental, rebuilt } = await bothTallies(prefix);
    expect(incremental).toEqual(rebuilt);
    // Everyone changed after the reveal: every vote is labelled now.
    const summary = summarizeTally((await loadTally(redis, prefix, GUILD)).cells);
    expect(summary.blind.overall.totals.votes).toBe(0);
    expect(summary.labelled.overall.totals).toMatchObject({ votes: 30, comparisons: 1 });
  });

  it("counts a blind vote as labelled once the member changes it after the reveal, in the tally and the export", async () => {
    const prefix = fresh();
    const record = comparisonRecord({ blind: true, order: ["instruct", "base"] });
    await saveResult(redis, prefix, record);
    const first = await castVote(redis, prefix, record, "500000000000000001", "A");
    expect(first).toEqual({ previous: null, current: { choice: "A", seen: false } });
    await castVote(redis, prefix, record, "500000000000000002", "A");
    await castVote(redis, prefix, record, "500000000000000003", "A");
    // Pressing the same button again changes nothing.
    expect(await castVote(redis, prefix, record, "500000000000000002", "A")).toEqual({
      previous: { choice: "A", seen: false },
      current: { choice: "A", seen: false },
    });
    const changed = await castVote(redis, prefix, record, "500000000000000001", "B");
    expect(changed.current).toEqual({ choice: "B", seen: true });
    expect(await voteOf(redis, prefix, record.id, "500000000000000001")).toEqual({ choice: "B", seen: true });

    const summary = summarizeTally((await loadTally(redis, prefix, GUILD)).cells);
    expect(summary.blind.overall.players[0]).toMatchObject({ role: "instruct", wins: 2, losses: 0 });
    expect(summary.labelled.overall.players[0]).toMatchObject({ role: "base", wins: 1, losses: 0 });
    const [row] = preferenceRows(await loadVotedComparisons(redis, prefix, { guildId: GUILD }));
    expect(row?.metadata).toMatchObject({
      votes: { A: 2, B: 1, tie: 0, bothBad: 0 },
      blindVotes: { A: 2, B: 0, tie: 0, bothBad: 0 },
      labelledVotes: { A: 0, B: 1, tie: 0, bothBad: 0 },
    });
  });

  it("keeps stopped comparisons out: no votes, not listed for the export", async () => {
    const prefix = fresh();
    const stopped = comparisonRecord({ stopReasons: { base: "aborted", instruct: "endOfTurn" } });
    await saveResult(redis, prefix, stopped);
    expect(voteRefusal(stopped)).toBe("stopped");
    expect(await loadVotedComparisons(redis, prefix, { guildId: GUILD })).toEqual([]);
  });

  it("adopts comparisons an earlier version stored (no expiry, no tally), once", async () => {
    const prefix = fresh();
    const now = Date.now();
    const recent = comparisonRecord({ blind: true, createdAt: now - 10 * DAY_MS });
    const unvoted = comparisonRecord({ createdAt: now - 5 * DAY_MS });
    const old = comparisonRecord({ createdAt: now - 400 * DAY_MS });
    const stopped = comparisonRecord({
      createdAt: now - DAY_MS,
      stopReasons: { base: "aborted", instruct: "endOfTurn" },
    });
    const legacy: [typeof recent, Record<string, VoteChoice>][] = [
      [recent, { "600000000000000001": "A", "600000000000000002": "B", "600000000000000003": "tie" }],
      [unvoted, {}],
      [old, { "600000000000000001": "A" }],
      [stopped, { "600000000000000001": "B" }],
    ];
    for (const [record, votes] of legacy) {
      await redis
        .multi()
        .set(keys.result(prefix, record.id), JSON.stringify(record))
        .zadd(`${prefix}:comparisons`, record.createdAt, record.id)
        .zadd(`${prefix}:comparisons:${GUILD}`, record.createdAt, record.id)
        .exec();
      if (Object.keys(votes).length > 0) await redis.hset(keys.votes(prefix, record.id), votes);
    }

    expect(await adoptLegacyComparisons(redis, prefix, DEFAULT_RETENTION, now)).toBe(4);
    const { incremental, rebuilt } = await bothTallies(prefix);
    expect(incremental).toEqual(rebuilt);
    expect(summarizeTally((await loadTally(redis, prefix, GUILD)).cells).blind.overall.totals).toMatchObject({
      votes: 3,
      comparisons: 1,
    });
    expect((await loadVotedComparisons(redis, prefix, { guildId: GUILD })).map((c) => c.record.id)).toEqual([
      recent.id,
    ]);
    expect(await redis.call("PEXPIRETIME", keys.result(prefix, recent.id))).toBe(
      voteExpiry(recent.createdAt, DEFAULT_RETENTION),
    );
    expect(await redis.call("PEXPIRETIME", keys.result(prefix, unvoted.id))).toBe(unvoted.createdAt + 30 * DAY_MS);
    expect(await loadResult(redis, prefix, old.id)).toBeNull();
    expect(await redis.exists(keys.votes(prefix, old.id), keys.votes(prefix, stopped.id))).toBe(0);
    expect(await redis.exists(`${prefix}:comparisons`, `${prefix}:comparisons:${GUILD}`)).toBe(0);
    // Once is enough: a second run finds nothing, and a new vote moves the adopted comparison's tally.
    expect(await adoptLegacyComparisons(redis, prefix, DEFAULT_RETENTION, now)).toBe(0);
    await castVote(redis, prefix, recent, "600000000000000003", "A");
    expect((await bothTallies(prefix)).incremental).toEqual((await bothTallies(prefix)).rebuilt);
  });

  it("forgetting a member and purging a guild leave the tally equal to the votes left", async () => {
    const prefix = fresh();
    const [ada, bob, cy] = ["700000000000000001", "700000000000000002", "700000000000000003"];
    const adas = comparisonRecord({ requestedBy: ada, blind: true });
    const bobs = comparisonRecord({ requestedBy: bob });
    const elsewhere = comparisonRecord({ requestedBy: bob, guildId: "100000000000000009" });
    for (const record of [adas, bobs, elsewhere]) await saveResult(redis, prefix, record);
    await castVote(redis, prefix, adas, bob, "A");
    await castVote(redis, prefix, adas, cy, "B");
    await castVote(redis, prefix, bobs, ada, "B");
    await castVote(redis, prefix, bobs, cy, "tie");
    await castVote(redis, prefix, elsewhere, ada, "A");

    expect(await forgetMember(redis, prefix, ada)).toEqual({
      votes: 2,
      results: 1,
      othersVotes: 2,
      conversations: 0,
      turns: 0,
    });
    expect(await loadResult(redis, prefix, adas.id)).toBeNull();
    const { incremental, rebuilt } = await bothTallies(prefix);
    expect(incremental).toEqual(rebuilt);
    expect(summarizeTally((await loadTally(redis, prefix, GUILD)).cells).labelled.overall.totals.votes).toBe(1);

    expect(await purgeGuild(redis, prefix, GUILD, "votes")).toEqual({ results: 0, votes: 1, conversations: 0 });
    expect((await loadTally(redis, prefix, GUILD)).cells).toEqual([]);
    expect(await loadResult(redis, prefix, bobs.id)).not.toBeNull();
    expect(await purgeGuild(redis, prefix, GUILD, "everything")).toEqual({ results: 1, votes: 0, conversations: 0 });
    expect(await loadResult(redis, prefix, bobs.id)).toBeNull();
    // The other guild is untouched.
    expect(await loadResult(redis, prefix, elsewhere.id)).not.toBeNull();
    expect((await bothTallies(prefix, "100000000000000009")).incremental).toEqual(
      (await bothTallies(prefix, "100000000000000009")).rebuilt,
    );
  });
});
