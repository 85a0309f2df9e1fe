import { describe, expect, it } from "vitest";
import { sampleBinomial, sampleMultinomial } from "../../src/shared/preferences/binomial.js";
import {
  bootstrap,
  bootstrapClusters,
  fitBradleyTerry,
  mulberry32,
  playerOf,
  quantile,
  type Game,
} from "../../src/shared/preferences/bradley-terry.js";
import { CATEGORY_LABELS, categorizePrompt, promptCategories } from "../../src/shared/preferences/categories.js";
import { preferenceRows, toJsonl } from "../../src/shared/preferences/export.js";
import { EMBED_LIMITS, renderLeaderboard } from "../../src/gateway/render-leaderboard.js";
import { summarizePreferences } from "../../src/shared/preferences/leaderboard.js";
import { tallyCells } from "../../src/shared/preferences/tally.js";
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
  /** Default true. */
  blind?: boolean;
  /** Indexes (in `votes`) of votes changed after the reveal. */
  seen?: number[];
  stopped?: boolean;
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
    stopReason: fixture.stopped && role === "base" ? "aborted" : "endOfTurn",
  });
  const voter = (i: number) => `20000000000000${String(i).padStart(4, "0")}`;
  return {
    record: {
      id: fixture.id ?? "cmp-1",
      guildId: "100000000000000001",
      channelId: "100000000000000002",
      prompt: "What is the capital of France?",
      category: fixture.category ?? "question",
      createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
      blind: fixture.blind ?? true,
      sampling: { temperature: 0.7, maxTokens: 256, seed: 42 },
      systemPrompt: "You are a helpful assistant.",
      sides: [side("A", aRole, texts[0]), side("B", bRole, texts[1])],
    },
    votes: Object.fromEntries(fixture.votes.map((choice, i) => [voter(i), choice])),
    ...(fixture.seen ? { seen: fixture.seen.map(voter) } : {}),
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

describe("tallyCells", () => {
  it("counts each comparison once per pattern of votes, blind and labelled apart, stopped comparisons left out", () => {
    const cells = tallyCells([
      comparison({ id: "c1", votes: ["A", "B", "tie", "bothBad", "bothBad"] }),
      comparison({ id: "c2", votes: ["A", "B", "tie", "bothBad", "bothBad"] }),
      comparison({ id: "c3", votes: ["A", "A"], seen: [1] }),
      comparison({ id: "c4", votes: ["A"], blind: false, aRole: "base" }),
      comparison({ id: "c5", votes: ["A"], stopped: true }),
      comparison({ id: "c6", votes: [] }),
    ]);
    const [instruct, base] = [
      { model: INSTRUCT, role: "instruct" },
      { model: BASE, role: "base" },
    ];
    // The base model's player name sorts first, so it is x; A was the instruct model except in c4.
    expect(cells).toEqual([
      {
        condition: "blind",
        category: "question",
        x: base,
        y: instruct,
        xWins: 1,
        yWins: 1,
        ties: 1,
        bothBad: 2,
        comparisons: 2,
      },
      {
        condition: "blind",
        category: "question",
        x: base,
        y: instruct,
        xWins: 0,
        yWins: 1,
        ties: 0,
        bothBad: 0,
        comparisons: 1,
      },
      {
        condition: "labelled",
        category: "question",
        x: base,
        y: instruct,
        xWins: 0,
        yWins: 1,
        ties: 0,
        bothBad: 0,
        comparisons: 1,
      },
      {
        condition: "labelled",
        category: "question",
        x: base,
        y: instruct,
        xWins: 1,
        yWins: 0,
        ties: 0,
        bothBad: 0,
        comparisons: 1,
      },
    ]);
    expect(playerOf({ model: "m", role: "base" })).toBe("m (base)");
  });
});

describe("binomial and multinomial draws", () => {
  it.each([
    [1000, 0.3],
    [100_000, 0.02],
    [40, 0.1],
    [7, 0.9],
  ])("Binomial(%i, %f) has the right mean and variance", (n, p) => {
    const random = mulberry32(21);
    const draws = Array.from({ length: 20_000 }, () => sampleBinomial(n, p, random));
    const mean = draws.reduce((sum, k) => sum + k, 0) / draws.length;
    const variance = draws.reduce((sum, k) => sum + (k - mean) ** 2, 0) / (draws.length - 1);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(n);
    expect(draws.every(Number.isInteger)).toBe(true);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws.length));
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.93);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.07);
  });

  it("puts every item in a cell, in proportion to the weights", () => {
    const random = mulberry32(2);
    const totals = new Float64Array(3);
    for (let i = 0; i < 2000; i++) {
      const draw = sampleMultinomial(600, [1, 2, 3], random);
      expect(draw.reduce((sum, k) => sum + k, 0)).toBe(600);
      draw.forEach((k, cell) => (totals[cell]! += k));
    }
    expect(totals[0]! / (2000 * 600)).toBeCloseTo(1 / 6, 2);
    expect(totals[2]! / (2000 * 600)).toBeCloseTo(3 / 6, 2);
    expect(sampleMultinomial(5, [0, 0, 4], random)).toEqual(Float64Array.from([0, 0, 5]));
  });
});

describe("bootstrap over comparisons", () => {
  it("gives wider intervals when many votes judged the same few answers than for as many independent votes", () => {
    // 100 votes, 80 for x: in 100 comparisons of one vote, or in 10 comparisons of 10 votes (8 or 9 vs 7).
    const independent = bootstrapClusters(
      [
        { a: "x", b: "y", aWins: 1, bWins: 0, ties: 0, count: 80 },
        { a: "x", b: "y", aWins: 0, bWins: 1, ties: 0, count: 20 },
      ],
      ["x", "y"],
    ).get("x")!;
    const clustered = bootstrapClusters(
      [
        { a: "x", b: "y", aWins: 10, bWins: 0, ties: 0, count: 6 },
        { a: "x", b: "y", aWins: 5, bWins: 5, ties: 0, count: 4 },
      ],
      ["x", "y"],
    ).get("x")!;
    expect(independent.winRateLow).toBeLessThan(0.8);
    expect(independent.winRateHigh).toBeGreaterThan(0.8);
    expect(clustered.winRateHigh - clustered.winRateLow).toBeGreaterThan(
      1.5 * (independent.winRateHigh - independent.winRateLow),
    );
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
    const [first, second] = summary.blind.overall.players;
    expect(first).toMatchObject({ model: INSTRUCT, role: "instruct", games: 100, wins: 80, losses: 20, ties: 0 });
    expect(first!.winRate).toBeCloseTo(0.8, 10);
    expect(first!.winRateLow).toBeGreaterThan(0.5);
    expect(first!.winRateHigh).toBeGreaterThan(0.8);
    expect(first!.ratingLow).toBeLessThan(first!.rating);
    expect(first!.ratingHigh).toBeGreaterThan(first!.rating);
    expect(second).toMatchObject({ model: BASE, role: "base", wins: 20, losses: 80 });
    expect(first!.rating).toBeGreaterThan(second!.rating);
    expect(summary.blind.overall.totals).toEqual({
      comparisons: 10,
      votes: 100,
      games: 100,
      bothBad: 0,
      bothBadShare: 0,
      ignored: 0,
    });
    expect(summary).toMatchObject({ bootstrap: 500, categoryBootstrap: 200, seed: 3 });
  });

  it("counts ties as half in the win rate, and reports 'both bad' without making it a game", () => {
    const summary = summarizePreferences(
      [comparison({ votes: ["A", "A", "tie", "tie", "B", "bothBad", "bothBad", "bothBad"] })],
      { bootstrap: 100 },
    );
    const [instruct] = summary.blind.overall.players;
    expect(instruct).toMatchObject({ role: "instruct", games: 5, wins: 2, ties: 2, losses: 1 });
    expect(instruct!.winRate).toBeCloseTo(0.6, 10);
    expect(summary.blind.overall.totals).toMatchObject({ votes: 8, games: 5, bothBad: 3, bothBadShare: 3 / 8 });
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
    expect(Object.keys(summary.blind.categories).sort()).toEqual(["code", "creative"]);
    expect(summary.blind.categories.code!.players[0]).toMatchObject({ role: "instruct", wins: 2, losses: 1 });
    expect(summary.blind.categories.creative!.players[0]).toMatchObject({ role: "base", wins: 2, losses: 0 });
    expect(summary.blind.categories.creative!.totals).toMatchObject({ votes: 3, bothBad: 1 });
    expect(summary.blind.overall.totals).toMatchObject({ comparisons: 3, votes: 7, bothBad: 2 });
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
    expect(description).toContain("**Blind votes** · 25 votes on 1 comparison · both bad: 5 (20%)");
    const instruct = description.indexOf("#1 · **llama-3.2-1b-instruct** (instruct) · rating ");
    const base = description.indexOf("#2 · **llama-3.2-1b** (base) · rating ");
    expect(instruct).toBeGreaterThan(0);
    expect(base).toBeGreaterThan(instruct);
    expect(description).toMatch(/win rate 80% \(95% CI \d+–\d+%\) · 20 games: 16 won, 4 lost, 0 tied/);
    expect(embed.footer?.text).toMatch(/Bradley-Terry.*ties as half a win.*95% intervals: bootstrap over comparisons/);
    expect(embed.fields).toHaveLength(1);
    expect(embed.fields![0]!.name).toBe("Code · blind · 25 votes · both bad 20%");
    expect(embed.fields![0]!.value).toMatch(/^#1 · \*\*llama.*win rate 80% \(95% CI/);
  });

  it("leads with blind votes, shows labelled votes apart, and ranks pairs that never met apart", () => {
    const other = { base: "gemma-base", instruct: "gemma-it" };
    const summary = summarizePreferences(
      [
        comparison({ id: "b1", votes: ["A", "A", "B"] }),
        comparison({ id: "l1", votes: ["B", "B"], blind: false }),
        comparison({ id: "g1", votes: ["A"], models: other }),
      ],
      { bootstrap: 100 },
    );
    expect(summary.blind.overall.groups.map((group) => group.map((p) => p.player))).toEqual([
      [`${INSTRUCT} (instruct)`, `${BASE} (base)`],
      ["gemma-it (instruct)", "gemma-base (base)"],
    ]);
    expect(summary.labelled.overall.players[0]).toMatchObject({ role: "base", wins: 2 });
    const description = renderLeaderboard(summary, "x").description!;
    const blind = description.indexOf("**Blind votes** · 4 votes on 2 comparisons");
    const apart = description.indexOf("-# Never compared with the models above, so ranked apart:\n#1 · **gemma-it**");
    const labelled = description.indexOf("**Labelled votes** · 2 votes on 1 comparison");
    expect(blind).toBe(0);
    expect(apart).toBeGreaterThan(blind);
    expect(labelled).toBeGreaterThan(apart);
    expect(description.slice(labelled)).toMatch(/#1 · \*\*llama-3\.2-1b\*\* \(base\)/);
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
    expect(summary.blind.overall.players).toHaveLength(40);
    expect(Object.keys(summary.blind.categories)).toHaveLength(promptCategories.length);
    const embed = renderLeaderboard(summary, "A server with a very long name ".repeat(20));
    expect(embed.title!.length).toBeLessThanOrEqual(EMBED_LIMITS.title);
    expect(embed.description!.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(embed.description).toContain("#1 · ");
    expect(embed.description).toMatch(/…and \d+ more\n\n\*\*Labelled votes\*\* · none yet\.$/);
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
  it("makes one row per comparison with a strict A-vs-B majority, blind and labelled votes apart, none for a stopped one", () => {
    const rows = preferenceRows([
      comparison({
        id: "a-wins",
        votes: ["A", "A", "B", "tie", "bothBad"],
        seen: [1],
        texts: ["Paris.", "Paris is a city"],
      }),
      comparison({ id: "stopped", votes: ["A", "A"], stopped: true }),
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
        blindVotes: { A: 1, B: 1, tie: 1, bothBad: 1 },
        labelledVotes: { A: 1, B: 0, tie: 0, bothBad: 0 },
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
