import { describe, expect, it } from "vitest";
import {
  bootstrap,
  fitBradleyTerry,
  mulberry32,
  playerOf,
  quantile,
  tallyVotes,
  type Game,
} from "../../src/shared/preferences/bradley-terry.js";
import { CATEGORY_LABELS, categorizePrompt, promptCategories } from "../../src/shared/preferences/categories.js";
import { preferenceRows, toJsonl } from "../../src/shared/preferences/export.js";
import { EMBED_LIMITS, renderLeaderboard } from "../../src/gateway/render-leaderboard.js";
import { summarizePreferences } from "../../src/shared/preferences/leaderboard.js";
import type { ComparedSide, PromptCategory, VoteChoice, VotedComparison } from "../../src/shared/preferences/types.js";

const BASE = "llama-3.2-1b";
const INSTRUCT = "llama-3.2-1b-instruct";

interface Fixture {
  votes: VoteChoice[];
  /** Which role side A shows (B shows the other). */
  aRole?: ComparedSide["role"];
  models?: { base: string; instruct: string };
  category?: PromptCategory;
  texts?: [string, string];
  id?: string;
}

/** A comparison between a base and an instruct model, with one vote per listed choice. */
function comparison(fixture: Fixture): VotedComparison {
  const models = fixture.models ?? { base: BASE, instruct: INSTRUCT };
  const aRole = fixture.aRole ?? "instruct";
  const bRole = aRole === "instruct" ? "base" : "instruct";
  const texts = fixture.texts ?? [`${aRole} answer`, `${bRole} answer`];
  const side = (label: "A" | "B", role: ComparedSide["role"], text: string): ComparedSide => ({
    label,
    role,
    model: models[role],
    text,
    stopReason: "endOfTurn",
  });
  return {
    record: {
      id: fixture.id ?? "cmp-1",
      guildId: "100000000000000001",
      channelId: "100000000000000002",
      prompt: "What is the capital of France?",
      category: fixture.category ?? "question",
      createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
      blind: true,
      sampling: { temperature: 0.7, maxTokens: 256, seed: 42 },
      systemPrompt: "You are a helpful assistant.",
      sides: [side("A", aRole, texts[0]), side("B", bRole, texts[1])],
    },
    votes: Object.fromEntries(
      fixture.votes.map((choice, i) => [`20000000000000${String(i).padStart(4, "0")}`, choice]),
    ),
  };
}

const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);
const games = (a: string, b: string, wins: number, losses: number, ties = 0): Game[] => [
  ...repeat<Game>({ a, b, score: 1 }, wins),
  ...repeat<Game>({ a, b, score: 0 }, losses),
  ...repeat<Game>({ a, b, score: 0.5 }, ties),
];

describe("Bradley-Terry fit", () => {
  it("rates the player who wins 80 of 100 games higher, by about 400·log10(4)", () => {
    const ratings = fitBradleyTerry(games("x", "y", 80, 20), ["x", "y"]);
    const gap = ratings.get("x")! - ratings.get("y")!;
    expect(gap).toBeGreaterThan(225);
    expect(gap).toBeLessThan(400 * Math.log10(4));
    expect((ratings.get("x")! + ratings.get("y")!) / 2).toBeCloseTo(1000, 6);
  });

  it("recovers the strengths behind consistent results between three players", () => {
    // p_x : p_y : p_z = 4 : 2 : 1, and the results match those odds exactly.
    const all = [...games("x", "y", 200, 100), ...games("y", "z", 200, 100), ...games("x", "z", 240, 60)];
    const ratings = fitBradleyTerry(all, ["x", "y", "z"]);
    expect(ratings.get("x")! - ratings.get("y")!).toBeCloseTo(400 * Math.log10(2), 0);
    expect(ratings.get("y")! - ratings.get("z")!).toBeCloseTo(400 * Math.log10(2), 0);
  });

  it("counts a tie as half a win for each side", () => {
    const tied = fitBradleyTerry(games("x", "y", 3, 1, 4), ["x", "y"]);
    const asHalfWins = fitBradleyTerry(games("x", "y", 5, 3), ["x", "y"]);
    expect(tied.get("x")).toBeCloseTo(asHalfWins.get("x")!, 6);
    expect(tied.get("y")).toBeCloseTo(asHalfWins.get("y")!, 6);
    const onlyTies = fitBradleyTerry(games("x", "y", 0, 0, 10), ["x", "y"]);
    expect(onlyTies.get("x")).toBeCloseTo(1000, 6);
    expect(onlyTies.get("y")).toBeCloseTo(1000, 6);
  });

  it("uses one virtual tie against an average player as the prior", () => {
    // 10–0: by symmetry p_y = 1/p_x, and q = p_x solves 10.5 = 10 q²/(q² + 1) + q/(q + 1) (10 real games and the
    // virtual one), so q ≈ 5.31662 and the gap is 800·log10(q) ≈ 580.51.
    const ratings = fitBradleyTerry(games("x", "y", 10, 0), ["x", "y"]);
    expect(ratings.get("x")! - ratings.get("y")!).toBeCloseTo(580.51, 1);
  });

  it("keeps an undefeated player finite thanks to the prior", () => {
    const ratings = fitBradleyTerry(games("x", "y", 10, 0), ["x", "y"]);
    expect(Number.isFinite(ratings.get("x"))).toBe(true);
    expect(ratings.get("x")!).toBeGreaterThan(ratings.get("y")!);
    // One win each way would be a draw; the prior shrinks 10–0 well below the ~1800 of 5000–0.
    expect(ratings.get("x")! - ratings.get("y")!).toBeLessThan(
      fitBradleyTerry(games("x", "y", 5000, 0), ["x", "y"]).get("x")! - 1000,
    );
  });

  it("gives a player without games the average rating, and rejects games naming unknown players", () => {
    const ratings = fitBradleyTerry(games("x", "y", 6, 4), ["x", "y", "idle"]);
    expect(ratings.get("idle")).toBeGreaterThan(ratings.get("y")!);
    expect(ratings.get("idle")).toBeLessThan(ratings.get("x")!);
    expect(() => fitBradleyTerry(games("x", "z", 1, 0), ["x", "y"])).toThrow(/not in the list/);
    expect(() => fitBradleyTerry(games("x", "x", 1, 0), ["x"])).toThrow(/itself/);
  });
});

describe("bootstrap", () => {
  it("puts 0.8 inside and 0.5 outside the win-rate interval of an 80-of-100 player", () => {
    const intervals = bootstrap(games("x", "y", 80, 20), ["x", "y"], { seed: 7 });
    const x = intervals.get("x")!;
    expect(x.winRateLow).toBeLessThan(0.8);
    expect(x.winRateHigh).toBeGreaterThan(0.8);
    expect(x.winRateLow).toBeGreaterThan(0.5);
    expect(x.winRateHigh - x.winRateLow).toBeLessThan(0.25);
    const y = intervals.get("y")!;
    expect(y.winRateLow).toBeLessThan(0.2);
    expect(y.winRateHigh).toBeGreaterThan(0.2);
    expect(x.ratingLow).toBeGreaterThan(y.ratingHigh);
  });

  it("gives wide intervals with few votes", () => {
    const few = bootstrap(games("x", "y", 4, 1), ["x", "y"], { seed: 7 }).get("x")!;
    const many = bootstrap(games("x", "y", 80, 20), ["x", "y"], { seed: 7 }).get("x")!;
    expect(few.winRateLow).toBeLessThanOrEqual(0.5);
    expect(few.winRateHigh - few.winRateLow).toBeGreaterThan(0.4);
    expect(few.ratingHigh - few.ratingLow).toBeGreaterThan(2 * (many.ratingHigh - many.ratingLow));
  });

  it("gives the same intervals for the same seed, and others for another seed", () => {
    const data = [...games("x", "y", 30, 20, 5), ...games("y", "z", 12, 9, 3), ...games("x", "z", 7, 7)];
    const players = ["x", "y", "z"];
    const first = bootstrap(data, players, { samples: 200, seed: 123 });
    expect(bootstrap(data, players, { samples: 200, seed: 123 })).toEqual(first);
    expect(bootstrap(data, players, { samples: 200, seed: 124 })).not.toEqual(first);
  });

  it("rejects a non-positive number of resamples", () => {
    expect(() => bootstrap(games("x", "y", 1, 0), ["x", "y"], { samples: 0 })).toThrow(RangeError);
  });

  it("ranks four players of a large league by their true strength, with intervals that separate the extremes", () => {
    const random = mulberry32(99);
    const players = ["a", "b", "c", "d"];
    // Player i beats player j with probability (i + 1) / (i + j + 2), ties aside: d is strongest, a weakest.
    const data: Game[] = Array.from({ length: 5000 }, () => {
      const i = Math.floor(random() * 4);
      const j = (i + 1 + Math.floor(random() * 3)) % 4;
      const u = random();
      return { a: players[i]!, b: players[j]!, score: u < 0.1 ? 0.5 : u < 0.1 + 0.9 * ((i + 1) / (i + j + 2)) ? 1 : 0 };
    });
    const ratings = fitBradleyTerry(data, players);
    expect([...players].sort((x, y) => (ratings.get(y) ?? 0) - (ratings.get(x) ?? 0))).toEqual(["d", "c", "b", "a"]);
    const intervals = bootstrap(data, players, { samples: 200 });
    expect(intervals.size).toBe(4);
    expect(intervals.get("d")?.ratingLow).toBeGreaterThan(intervals.get("a")?.ratingHigh ?? Infinity);
  });

  it("uses a seeded PRNG in [0, 1) and linear percentiles", () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("tallyVotes", () => {
  it("makes a game of every A, B or tie vote, counts 'both bad' apart, and ignores same-player comparisons", () => {
    const tally = tallyVotes([
      comparison({ votes: ["A", "B", "tie", "bothBad", "bothBad"] }),
      comparison({ votes: [] }),
    ]);
    const [instruct, base] = [`${INSTRUCT} (instruct)`, `${BASE} (base)`];
    expect(tally.games).toEqual([
      { a: instruct, b: base, score: 1 },
      { a: instruct, b: base, score: 0 },
      { a: instruct, b: base, score: 0.5 },
    ]);
    expect(tally).toMatchObject({ bothBad: 2, comparisons: 1, ignored: 0 });
    expect(playerOf({ label: "A", role: "base", model: "m", text: "", stopReason: "" })).toBe("m (base)");
  });

  it("ignores votes on a comparison whose two sides are the same player", () => {
    const same = comparison({ votes: ["A", "B", "bothBad"] });
    same.record.sides[1] = { ...same.record.sides[0], label: "B" };
    expect(tallyVotes([same])).toEqual({ games: [], bothBad: 0, ignored: 3, comparisons: 0 });
  });
});

describe("summarizePreferences", () => {
  /** 100 votes: the instruct side wins 80 and loses 20, shown as A in half the comparisons and as B in the rest. */
  const eightyTwenty = (): VotedComparison[] =>
    Array.from({ length: 10 }, (_, i) => {
      const aRole = i % 2 === 0 ? "instruct" : "base";
      const [win, lose]: [VoteChoice, VoteChoice] = aRole === "instruct" ? ["A", "B"] : ["B", "A"];
      return comparison({ id: `cmp-${i}`, aRole, votes: [...repeat(win, 8), ...repeat(lose, 2)] });
    });

  it("ranks by rating, with win rates and intervals per model and role, whichever label the model had", () => {
    const summary = summarizePreferences(eightyTwenty(), { bootstrap: 500, seed: 3 });
    const [first, second] = summary.overall.players;
    expect(first).toMatchObject({ model: INSTRUCT, role: "instruct", games: 100, wins: 80, losses: 20, ties: 0 });
    expect(first!.winRate).toBeCloseTo(0.8, 10);
    expect(first!.winRateLow).toBeGreaterThan(0.5);
    expect(first!.winRateHigh).toBeGreaterThan(0.8);
    expect(first!.ratingLow).toBeLessThan(first!.rating);
    expect(first!.ratingHigh).toBeGreaterThan(first!.rating);
    expect(second).toMatchObject({ model: BASE, role: "base", wins: 20, losses: 80 });
    expect(first!.rating).toBeGreaterThan(second!.rating);
    expect(summary.overall.totals).toEqual({
      comparisons: 10,
      votes: 100,
      games: 100,
      bothBad: 0,
      bothBadShare: 0,
      ignored: 0,
    });
    expect(summary).toMatchObject({ bootstrap: 500, seed: 3 });
  });

  it("counts ties as half in the win rate, and reports 'both bad' without making it a game", () => {
    const summary = summarizePreferences(
      [comparison({ votes: ["A", "A", "tie", "tie", "B", "bothBad", "bothBad", "bothBad"] })],
      { bootstrap: 100 },
    );
    const [instruct] = summary.overall.players;
    expect(instruct).toMatchObject({ role: "instruct", games: 5, wins: 2, ties: 2, losses: 1 });
    expect(instruct!.winRate).toBeCloseTo(0.6, 10);
    expect(summary.overall.totals).toMatchObject({ votes: 8, games: 5, bothBad: 3, bothBadShare: 3 / 8 });
  });

  it("summarizes each category that has games, by the category stored with the comparison", () => {
    const summary = summarizePreferences(
      [
        comparison({ id: "c1", category: "code", votes: ["A", "A", "B"] }),
        comparison({ id: "c2", category: "creative", votes: ["B", "B", "bothBad"] }),
        comparison({ id: "c3", category: "math", votes: ["bothBad"] }),
      ],
      { bootstrap: 100 },
    );
    expect(Object.keys(summary.categories).sort()).toEqual(["code", "creative"]);
    expect(summary.categories.code!.players[0]).toMatchObject({ role: "instruct", wins: 2, losses: 1 });
    expect(summary.categories.creative!.players[0]).toMatchObject({ role: "base", wins: 2, losses: 0 });
    expect(summary.categories.creative!.totals).toMatchObject({ votes: 3, bothBad: 1 });
    expect(summary.overall.totals).toMatchObject({ comparisons: 3, votes: 7, bothBad: 2 });
  });

  it("is deterministic for the same votes and seed", () => {
    const votes = eightyTwenty();
    expect(summarizePreferences(votes, { bootstrap: 200, seed: 9 })).toEqual(
      summarizePreferences(votes, { bootstrap: 200, seed: 9 }),
    );
  });
});

describe("renderLeaderboard", () => {
  const embedSize = (embed: ReturnType<typeof renderLeaderboard>) =>
    (embed.title ?? "").length +
    (embed.description ?? "").length +
    (embed.footer?.text ?? "").length +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0);

  it("asks members to vote when there are no votes", () => {
    const embed = renderLeaderboard(summarizePreferences([comparison({ votes: [] })]), "this server");
    expect(embed.title).toContain("this server");
    expect(embed.description).toMatch(/No votes yet/);
    expect(embed.description).toContain("/compare");
    expect(embed.description).toMatch(/buttons/);
    expect(embed.fields ?? []).toEqual([]);
  });

  it("shows the ranking with win-rate intervals, the vote count, the 'both bad' share and the method", () => {
    const votes = [...repeat<VoteChoice>("A", 16), ...repeat<VoteChoice>("B", 4), ...repeat<VoteChoice>("bothBad", 5)];
    const summary = summarizePreferences([comparison({ votes, category: "code" })], { bootstrap: 300, seed: 1 });
    const embed = renderLeaderboard(summary, "Test server");
    const description = embed.description!;
    expect(description).toContain("**25 votes** on **1 comparison** · both bad: 5 (20%)");
    const instruct = description.indexOf("#1 · **llama-3.2-1b-instruct** (instruct) · rating ");
    const base = description.indexOf("#2 · **llama-3.2-1b** (base) · rating ");
    expect(instruct).toBeGreaterThan(0);
    expect(base).toBeGreaterThan(instruct);
    expect(description).toMatch(/win rate 80% \(95% CI \d+–\d+%\) · 20 games: 16 won, 4 lost, 0 tied/);
    expect(embed.footer?.text).toMatch(/Bradley-Terry.*ties counted as half a win.*95% bootstrap intervals/);
    expect(embed.fields).toHaveLength(1);
    expect(embed.fields![0]!.name).toBe("Code · 25 votes · both bad 20%");
    expect(embed.fields![0]!.value).toMatch(/^#1 · \*\*llama.*win rate 80% \(95% CI/);
  });

  it("says so when every vote is 'both bad'", () => {
    const embed = renderLeaderboard(summarizePreferences([comparison({ votes: ["bothBad"] })]), "x");
    expect(embed.description).toContain("both bad: 1 (100%)");
    expect(embed.description).toMatch(/No A-vs-B preferences yet/);
  });

  it("escapes markdown in model names", () => {
    const models = { base: "evil_*model*`x`", instruct: "~~it~~||s||" };
    const embed = renderLeaderboard(
      summarizePreferences([comparison({ votes: ["A"], models })], { bootstrap: 50 }),
      "x",
    );
    expect(embed.description).toContain("evil\\_\\*model\\*\\`x\\`");
    expect(embed.description).toContain("\\~\\~it\\~\\~\\|\\|s\\|\\|");
  });

  it("stays within Discord's embed limits with 20 long-named models (40 players) in every category", () => {
    const random = mulberry32(11);
    const models = Array.from(
      { length: 20 },
      (_, i) => `organisation-name/very-long-model-name-${i}-${"x".repeat(80)}`,
    );
    const comparisons: VotedComparison[] = [];
    for (let n = 0; n < 400; n++) {
      const i = Math.floor(random() * 20);
      const j = (i + 1 + Math.floor(random() * 19)) % 20;
      const choices: VoteChoice[] = ["A", "B", "tie", "bothBad"];
      comparisons.push(
        comparison({
          id: `c${n}`,
          models: { base: models[i]!, instruct: models[j]! },
          category: promptCategories[n % promptCategories.length]!,
          votes: Array.from({ length: 3 }, () => choices[Math.floor(random() * 4)]!),
        }),
      );
    }
    const summary = summarizePreferences(comparisons, { bootstrap: 50 });
    expect(summary.overall.players).toHaveLength(40);
    expect(Object.keys(summary.categories)).toHaveLength(promptCategories.length);
    const embed = renderLeaderboard(summary, "A server with a very long name ".repeat(20));
    expect(embed.title!.length).toBeLessThanOrEqual(EMBED_LIMITS.title);
    expect(embed.description!.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(embed.description).toContain("#1 · ");
    expect(embed.description).toMatch(/…and \d+ more$/);
    expect(embed.fields!.length).toBe(promptCategories.length);
    expect(embed.fields!.length).toBeLessThanOrEqual(EMBED_LIMITS.fields);
    for (const field of embed.fields!) {
      expect(field.name.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldName);
      expect(field.value.length).toBeGreaterThan(0);
      expect(field.value.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldValue);
      expect(field.value).toContain("#1 · ");
    }
    expect(embedSize(embed)).toBeLessThanOrEqual(EMBED_LIMITS.total);
  });
});

describe("categorizePrompt", () => {
  it.each<[string, PromptCategory]>([
    ["Write a function that reverses a linked list", "code"],
    ["```js\nconsole.log(1)\n```\nwhy does this print 1?", "code"],
    ["How do I sort a list in Python?", "code"],
    ["What is 17 * 23?", "math"],
    ["Solve for x: 2x + 3 = 11", "math"],
    ["Calculate the area of a circle with radius 4", "math"],
    ["what's 12 times 7", "math"],
    ["Write a poem about the sea", "creative"],
    ["Once upon a time, in a land far away,", "creative"],
    ["Tell me a short story about a robot", "creative"],
    ["Hi there!", "chat"],
    ["hey, how are you?", "chat"],
    ["Explain photosynthesis to a child", "instruction"],
    ["Please summarize the French Revolution in three sentences.", "instruction"],
    ["Can you translate 'good night' into German?", "instruction"],
    ["What is the capital of France?", "question"],
    ["why is the sky blue", "question"],
    ["Is a tomato a fruit?", "question"],
    ["The capital of France is", "other"],
    ["On 2024-05-01 the meeting ran from 10:30 to 11:45 and", "other"],
  ])("%j is %s", (prompt, category) => {
    expect(categorizePrompt(prompt)).toBe(category);
  });

  it("labels every category in words", () => {
    expect([...promptCategories].sort()).toEqual(Object.keys(CATEGORY_LABELS).sort());
    for (const category of promptCategories) expect(CATEGORY_LABELS[category]).toMatch(/^[A-Z]/);
  });
});

describe("preference export", () => {
  it("makes one row per comparison with a strict A-vs-B majority, the majority side chosen", () => {
    const rows = preferenceRows([
      comparison({ id: "a-wins", votes: ["A", "A", "B", "tie", "bothBad"], texts: ["Paris.", "Paris is a city"] }),
      comparison({ id: "b-wins", aRole: "base", votes: ["B", "tie", "tie", "tie"], texts: ["Paris is", "Paris."] }),
      comparison({ id: "even", votes: ["A", "B", "tie", "tie", "tie"] }),
      comparison({ id: "only-ties", votes: ["tie", "bothBad"] }),
      comparison({ id: "no-votes", votes: [] }),
    ]);
    expect(rows.map((row) => row.metadata.comparisonId)).toEqual(["a-wins", "b-wins"]);
    expect(rows[0]).toEqual({
      prompt: "What is the capital of France?",
      chosen: "Paris.",
      rejected: "Paris is a city",
      metadata: {
        comparisonId: "a-wins",
        chosenModel: INSTRUCT,
        chosenRole: "instruct",
        rejectedModel: BASE,
        rejectedRole: "base",
        votes: { A: 2, B: 1, tie: 1, bothBad: 1 },
        category: "question",
        blind: true,
        guildId: "100000000000000001",
        createdAt: "2025-01-02T03:04:05.000Z",
        sampling: { temperature: 0.7, maxTokens: 256, seed: 42 },
        systemPrompt: "You are a helpful assistant.",
      },
    });
    expect(rows[1]).toMatchObject({
      chosen: "Paris.",
      rejected: "Paris is",
      metadata: { chosenRole: "instruct", rejectedRole: "base", votes: { A: 0, B: 1, tie: 3, bothBad: 0 } },
    });
  });

  it("skips a comparison whose two texts are the same", () => {
    expect(preferenceRows([comparison({ votes: ["A"], texts: ["same", "same"] })])).toEqual([]);
  });

  it("writes JSONL: one JSON object per line that reads back as the row", () => {
    const rows = preferenceRows([
      comparison({ id: "one", votes: ["A"], texts: ['line 1\nline 2 "quoted"', "other\u2028text"] }),
      comparison({ id: "two", votes: ["B"], texts: ["x", "y\r\nz"] }),
    ]);
    const jsonl = toJsonl(rows);
    expect(jsonl.endsWith("\n")).toBe(true);
    const lines = jsonl.slice(0, -1).split("\n");
    expect(lines).toHaveLength(2);
    expect(jsonl).not.toMatch(/[\u2028\u2029\r]/);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(rows);
    expect(toJsonl([])).toBe("");
  });
});
