/**
 * What the vote store costs at size, on a real Redis under a throwaway prefix (deleted afterwards):
 *
 *   npx tsx bench/store-cost.ts leaderboard [votes]   time per /leaderboard at `votes` stored votes (default 100,000)
 *   npx tsx bench/store-cost.ts memory [comparisons]  Redis memory per 1,000 comparisons with their votes and indexes
 *
 * Reads TEST_REDIS_URL (default redis://127.0.0.1:6379). Not part of `npm test` or `npm run bench`.
 */
import { Redis } from "ioredis";
import { leaderboardSummary } from "../src/gateway/leaderboard-summary.js";
import { renderLeaderboard } from "../src/gateway/render-leaderboard.js";
import { mulberry32 } from "../src/shared/preferences/bradley-terry.js";
import { summarizeTally } from "../src/shared/preferences/leaderboard.js";
import type { VoteChoice } from "../src/shared/preferences/types.js";
import { loadVotedComparisons, saveResult } from "../src/shared/store/results.js";
import { DAY_MS, DEFAULT_RETENTION } from "../src/shared/store/retention.js";
import { loadTally } from "../src/shared/store/tallies.js";
import { castVote } from "../src/shared/store/votes.js";
import { comparisonRecord } from "../test/support/comparisons.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "../test/support/redis.js";

const GUILD = "100000000000000001";
const PROMPTS = [
  "What is the capital of France?",
  "Write a poem about the sea",
  "Explain photosynthesis to a child",
  "How do I sort a list in Python?",
  "What is 17 * 23?",
  "Hi there!",
  "The capital of France is",
];
const CHOICES: VoteChoice[] = ["A", "B", "tie", "bothBad"];

/** `count` comparisons over the last 300 days, half blind, each with 1 to 4 votes (2.5 on average). */
async function fill(redis: Redis, prefix: string, votes: number, texts?: { base: string; instruct: string }) {
  const random = mulberry32(7);
  const now = Date.now();
  let cast = 0;
  let comparisons = 0;
  const pending: Promise<unknown>[] = [];
  while (cast < votes) {
    const record = comparisonRecord({
      blind: random() < 0.5,
      order: random() < 0.5 ? ["base", "instruct"] : ["instruct", "base"],
      prompt: PROMPTS[Math.floor(random() * PROMPTS.length)]!,
      createdAt: now - Math.floor(random() * 300) * DAY_MS - Math.floor(random() * DAY_MS),
      withInputs: true,
      ...(texts ? { texts } : {}),
    });
    comparisons += 1;
    // Kept as long as a voted comparison is: the vote retention.
    await saveResult(redis, prefix, record, { ...DEFAULT_RETENTION, resultMs: DEFAULT_RETENTION.voteMs });
    const voters = Math.min(votes - cast, 1 + Math.floor(random() * 4));
    for (let v = 0; v < voters; v++) {
      const voter = `3${String(Math.floor(random() * 5000)).padStart(17, "0")}`;
      pending.push(castVote(redis, prefix, record, voter, CHOICES[Math.floor(random() * 4)]!));
      cast += 1;
    }
    if (pending.length >= 1000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { comparisons, votes: cast };
}

const ms = (start: number) => performance.now() - start;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function leaderboard(redis: Redis, votes: number): Promise<void> {
  const prefix = uniquePrefix("leaderboard-cost");
  try {
    const filled = await fill(redis, prefix, votes);
    const tally = await loadTally(redis, prefix, GUILD);
    console.log(
      `${filled.votes} votes on ${filled.comparisons} comparisons, tally: ${tally.cells.length} cells in ${
        (await redis.zcard(`${prefix}:tally:${GUILD}:buckets`)) || 0
      } daily periods`,
    );
    // A call after a vote: read the tally, summarize (1000 resamples), render.
    const cold: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 10; i++) {
      await redis.incr(`${prefix}:tally:${GUILD}:version`); // as a vote would
      const start = performance.now();
      const { summary } = await leaderboardSummary(redis, prefix, GUILD);
      renderLeaderboard(summary, "bench");
      cold.push(ms(start));
      const cpuStart = performance.now();
      summarizeTally(tally.cells);
      cpu.push(ms(cpuStart));
    }
    // A call with no vote since the last one: one Redis read, then the summary from memory.
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      const { summary, cached } = await leaderboardSummary(redis, prefix, GUILD);
      renderLeaderboard(summary, "bench");
      if (!cached) throw new Error("expected the cached summary");
      warm.push(ms(start));
    }
    // What every call used to do: load every stored comparison with its votes.
    const loadStart = performance.now();
    const all = await loadVotedComparisons(redis, prefix, { guildId: GUILD });
    const loadAll = ms(loadStart);
    console.log(
      `after a vote:   median ${median(cold).toFixed(1)} ms, max ${Math.max(...cold).toFixed(1)} ms per call`,
    );
    console.log(`  of which CPU (summary, event loop): median ${median(cpu).toFixed(1)} ms`);
    console.log(`no vote since:  median ${median(warm).toFixed(2)} ms per call`);
    console.log(`for contrast, loading all ${all.length} comparisons as before: ${loadAll.toFixed(0)} ms`);
  } finally {
    await deletePrefix(prefix);
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function memory(redis: Redis, comparisons: number): Promise<void> {
  const prefix = uniquePrefix("memory-cost");
  // Full-size answers: 256 tokens of base text (about 1,000 characters) and a 100-token instruct answer.
  const texts = {
    base: "Paris is the capital of France. ".repeat(32),
    instruct: "The capital of France is Paris. ".repeat(13),
  };
  try {
    const before = await usedMemory(redis);
    const filled = await fill(redis, prefix, Math.round(comparisons * 2.5), texts);
    const after = await usedMemory(redis);
    let cursor = "0";
    let bytes = 0;
    let keys = 0;
    const byKind = new Map<string, number>();
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      for (const key of found) {
        const usage = Number(await redis.memory("USAGE", key, "SAMPLES", "0"));
        const kind = key.slice(prefix.length + 1).split(":")[0]!;
        byKind.set(kind, (byKind.get(kind) ?? 0) + usage);
        bytes += usage;
        keys += 1;
      }
    } while (cursor !== "0");
    const per1000 = (n: number) => ((n / filled.comparisons) * 1000) / 2 ** 20;
    console.log(`${filled.comparisons} comparisons, ${filled.votes} votes, ${keys} keys`);
    console.log(`MEMORY USAGE of every key: ${per1000(bytes).toFixed(2)} MiB per 1,000 comparisons`);
    console.log(`INFO used_memory delta:    ${per1000(after - before).toFixed(2)} MiB per 1,000 comparisons`);
    for (const [kind, used] of [...byKind].sort((x, y) => y[1] - x[1])) {
      console.log(`  ${kind.padEnd(10)} ${per1000(used).toFixed(3)} MiB per 1,000 comparisons`);
    }
  } finally {
    await deletePrefix(prefix);
  }
}

const [what = "leaderboard", size] = process.argv.slice(2);
const redis = new Redis(TEST_REDIS_URL);
try {
  if (what === "memory") await memory(redis, Number(size ?? 10_000));
  else await leaderboard(redis, Number(size ?? 100_000));
} finally {
  redis.disconnect();
}
