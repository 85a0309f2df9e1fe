import { bootstrapClusters, fitClusters, playerOf, type GameCluster } from "./bradley-terry.js";
import { promptCategories } from "./categories.js";
import { tallyCells, voteConditions, type Player, type TallyCell, type VoteCondition } from "./tally.js";
import type { ComparedSide, PromptCategory, VotedComparison } from "./types.js";

/** One player's results in a scope: a Bradley-Terry rating and a win rate, each with a 95% bootstrap interval. */
export interface PlayerStanding {
  /** `model (role)`, as {@link playerOf} names it. */
  player: string;
  model: string;
  role: ComparedSide["role"];
  rating: number;
  ratingLow: number;
  ratingHigh: number;
  /** Share of points in its games, ties as half. */
  winRate: number;
  winRateLow: number;
  winRateHigh: number;
  games: number;
  wins: number;
  losses: number;
  ties: number;
}

/** Vote counts of a scope. */
export interface PreferenceTotals {
  /** Comparisons between different players with at least one vote. */
  comparisons: number;
  /** Votes on those comparisons: games plus "both bad". */
  votes: number;
  /** Votes that are games: A, B or tie. */
  games: number;
  bothBad: number;
  /** bothBad / votes (0 without votes). */
  bothBadShare: number;
  /** Votes on comparisons whose sides are the same player, left out of everything above. */
  ignored: number;
}

/**
 * Results over a set of comparisons: totals, and the players in groups that were compared with each other (with one
 * base/instruct pair per deployment, one group per pair ever deployed), best rating first. Ratings only compare
 * within a group: players of different groups never met.
 */
export interface ScopeSummary {
  totals: PreferenceTotals;
  groups: PlayerStanding[][];
  /** Every group's players, in group order. */
  players: PlayerStanding[];
}

/** Results of one kind of vote, overall and per prompt category (only categories with games). */
export interface ConditionSummary {
  overall: ScopeSummary;
  categories: Partial<Record<PromptCategory, ScopeSummary>>;
}

/** Blind and labelled votes, each summarized on its own, with how the intervals were made. */
export interface LeaderboardSummary {
  blind: ConditionSummary;
  labelled: ConditionSummary;
  /** Bootstrap resamples behind the overall intervals. */
  bootstrap: number;
  /** Bootstrap resamples behind each category's intervals. */
  categoryBootstrap: number;
  seed: number;
}

export interface SummaryOptions {
  /** Bootstrap resamples for the overall intervals (default 1000). */
  bootstrap?: number;
  /** Bootstrap resamples for each category's intervals (default 200: categories are many and shown in brief). */
  categoryBootstrap?: number;
  /** Seed of the resampling (default 1): the same votes and seed give the same summary. */
  seed?: number;
}

const DEFAULT_BOOTSTRAP = 1000;
const DEFAULT_CATEGORY_BOOTSTRAP = 200;
const DEFAULT_SEED = 1;

interface Record3 {
  wins: number;
  losses: number;
  ties: number;
}

/** The groups of players linked by games (connected components), each a sorted list of names. */
function groupsOf(clusters: readonly GameCluster[]): string[][] {
  const parent = new Map<string, string>();
  const find = (p: string): string => {
    let root = p;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(p, root);
    return root;
  };
  for (const { a, b } of clusters) {
    for (const p of [a, b]) if (!parent.has(p)) parent.set(p, p);
    parent.set(find(a), find(b));
  }
  const groups = new Map<string, string[]>();
  for (const player of parent.keys()) {
    const root = find(player);
    groups.set(root, [...(groups.get(root) ?? []), player]);
  }
  return [...groups.values()].map((names) => names.sort());
}

function summarizeScope(cells: readonly TallyCell[], options: { samples: number; seed: number }): ScopeSummary {
  const totals: PreferenceTotals = { comparisons: 0, votes: 0, games: 0, bothBad: 0, bothBadShare: 0, ignored: 0 };
  const merged = new Map<string, GameCluster>();
  const players = new Map<string, Player>();
  const records = new Map<string, Record3>();
  const recordOf = (p: string) => {
    let r = records.get(p);
    if (r === undefined) records.set(p, (r = { wins: 0, losses: 0, ties: 0 }));
    return r;
  };
  for (const cell of cells) {
    const [x, y] = [playerOf(cell.x), playerOf(cell.y)];
    const n = cell.comparisons;
    const games = cell.xWins + cell.yWins + cell.ties;
    if (x === y) {
      totals.ignored += n * (games + cell.bothBad);
      continue;
    }
    totals.comparisons += n;
    totals.votes += n * (games + cell.bothBad);
    totals.games += n * games;
    totals.bothBad += n * cell.bothBad;
    if (games === 0) continue;
    players.set(x, cell.x);
    players.set(y, cell.y);
    const rx = recordOf(x);
    const ry = recordOf(y);
    rx.wins += n * cell.xWins;
    rx.losses += n * cell.yWins;
    rx.ties += n * cell.ties;
    ry.wins += n * cell.yWins;
    ry.losses += n * cell.xWins;
    ry.ties += n * cell.ties;
    // The same votes in different categories are the same cluster for the overall fit.
    const key = JSON.stringify([x, y, cell.xWins, cell.yWins, cell.ties]);
    const known = merged.get(key);
    if (known) known.count = (known.count ?? 0) + n;
    else merged.set(key, { a: x, b: y, aWins: cell.xWins, bWins: cell.yWins, ties: cell.ties, count: n });
  }
  totals.bothBadShare = totals.votes === 0 ? 0 : totals.bothBad / totals.votes;
  const clusters = [...merged.values()];
  const groups = groupsOf(clusters).map((names) => {
    const inGroup = clusters.filter((c) => names.includes(c.a));
    const ratings = fitClusters(inGroup, names);
    const intervals = bootstrapClusters(inGroup, names, options);
    return names
      .map((player): PlayerStanding => {
        const { wins, losses, ties } = records.get(player)!;
        const interval = intervals.get(player)!;
        const { model, role } = players.get(player)!;
        const games = wins + losses + ties;
        return {
          player,
          model,
          role,
          rating: ratings.get(player)!,
          ratingLow: interval.ratingLow,
          ratingHigh: interval.ratingHigh,
          winRate: (wins + ties / 2) / games,
          winRateLow: interval.winRateLow,
          winRateHigh: interval.winRateHigh,
          games,
          wins,
          losses,
          ties,
        };
      })
      .sort((p, q) => q.rating - p.rating || p.player.localeCompare(q.player));
  });
  const gamesOf = (group: PlayerStanding[]) => group.reduce((sum, p) => sum + p.games, 0);
  groups.sort((g, h) => gamesOf(h) - gamesOf(g) || g[0]!.player.localeCompare(h[0]!.player));
  return { totals, groups, players: groups.flat() };
}

function summarizeCondition(
  cells: readonly TallyCell[],
  condition: VoteCondition,
  options: { samples: number; categorySamples: number; seed: number },
): ConditionSummary {
  const mine = cells.filter((cell) => cell.condition === condition);
  const categories: Partial<Record<PromptCategory, ScopeSummary>> = {};
  for (const category of promptCategories) {
    const inCategory = mine.filter((cell) => cell.category === category);
    if (inCategory.length === 0) continue;
    const summary = summarizeScope(inCategory, { samples: options.categorySamples, seed: options.seed });
    if (summary.totals.games > 0) categories[category] = summary;
  }
  return { overall: summarizeScope(mine, options), categories };
}

/**
 * Ranks the models from members' votes, blind and labelled votes apart: a Bradley-Terry fit (ties as half wins,
 * "both bad" counted apart) within each group of models that met, with 95% bootstrap intervals that resample whole
 * comparisons, overall and per prompt category. Its cost depends on the number of distinct vote patterns in the
 * tally, not on the number of votes: a few tens of milliseconds for a pair, however many votes.
 */
export function summarizeTally(cells: readonly TallyCell[], options: SummaryOptions = {}): LeaderboardSummary {
  const samples = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const categorySamples = options.categoryBootstrap ?? Math.min(samples, DEFAULT_CATEGORY_BOOTSTRAP);
  const seed = options.seed ?? DEFAULT_SEED;
  const [blind, labelled] = voteConditions.map((condition) =>
    summarizeCondition(cells, condition, { samples, categorySamples, seed }),
  );
  return { blind: blind!, labelled: labelled!, bootstrap: samples, categoryBootstrap: categorySamples, seed };
}

/** {@link summarizeTally} of stored comparisons (stopped ones left out), for a set of comparisons in memory. */
export function summarizePreferences(
  comparisons: readonly VotedComparison[],
  options: SummaryOptions = {},
): LeaderboardSummary {
  return summarizeTally(tallyCells(comparisons), options);
}
