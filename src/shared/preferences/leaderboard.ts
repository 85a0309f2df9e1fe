import { bootstrap, fitBradleyTerry, playerOf, tallyVotes, type Game } from "./bradley-terry.js";
import { promptCategories } from "./categories.js";
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

/** Results over a set of comparisons: totals and players, best rating first. */
export interface ScopeSummary {
  totals: PreferenceTotals;
  players: PlayerStanding[];
}

/** Results overall and per prompt category (only categories with games), with how the intervals were made. */
export interface LeaderboardSummary {
  overall: ScopeSummary;
  categories: Partial<Record<PromptCategory, ScopeSummary>>;
  /** Bootstrap resamples behind every interval. */
  bootstrap: number;
  seed: number;
}

export interface SummaryOptions {
  /** Bootstrap resamples (default 1000). */
  bootstrap?: number;
  /** Seed of the resampling (default 1): the same votes and seed give the same summary. */
  seed?: number;
}

const DEFAULT_BOOTSTRAP = 1000;
const DEFAULT_SEED = 1;

/** Wins, losses and ties of every player in `games`, in order of first appearance. */
function records(games: readonly Game[]): Map<string, { wins: number; losses: number; ties: number }> {
  const result = new Map<string, { wins: number; losses: number; ties: number }>();
  const of = (player: string) => {
    let record = result.get(player);
    if (record === undefined) result.set(player, (record = { wins: 0, losses: 0, ties: 0 }));
    return record;
  };
  for (const { a, b, score } of games) {
    if (score === 0.5) {
      of(a).ties += 1;
      of(b).ties += 1;
    } else {
      of(score === 1 ? a : b).wins += 1;
      of(score === 1 ? b : a).losses += 1;
    }
  }
  return result;
}

function summarizeScope(
  comparisons: readonly VotedComparison[],
  sides: ReadonlyMap<string, ComparedSide>,
  options: { samples: number; seed: number },
): ScopeSummary {
  const tally = tallyVotes(comparisons);
  const votes = tally.games.length + tally.bothBad;
  const totals: PreferenceTotals = {
    comparisons: tally.comparisons,
    votes,
    games: tally.games.length,
    bothBad: tally.bothBad,
    bothBadShare: votes === 0 ? 0 : tally.bothBad / votes,
    ignored: tally.ignored,
  };
  const byPlayer = records(tally.games);
  const names = [...byPlayer.keys()].sort();
  if (names.length === 0) return { totals, players: [] };
  const ratings = fitBradleyTerry(tally.games, names);
  const intervals = bootstrap(tally.games, names, options);
  const players = names.map((player): PlayerStanding => {
    const { wins, losses, ties } = byPlayer.get(player)!;
    const interval = intervals.get(player)!;
    const side = sides.get(player)!;
    const games = wins + losses + ties;
    return {
      player,
      model: side.model,
      role: side.role,
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
  });
  players.sort((x, y) => y.rating - x.rating || x.player.localeCompare(y.player));
  return { totals, players };
}

/**
 * Ranks the models from members' votes: a Bradley-Terry fit of every vote (ties as half wins, "both bad" counted
 * apart), with 95% bootstrap intervals, overall and per prompt category (the category stored with each comparison).
 */
export function summarizePreferences(
  comparisons: readonly VotedComparison[],
  options: SummaryOptions = {},
): LeaderboardSummary {
  const samples = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const seed = options.seed ?? DEFAULT_SEED;
  const sides = new Map<string, ComparedSide>();
  for (const { record } of comparisons) for (const side of record.sides) sides.set(playerOf(side), side);
  const overall = summarizeScope(comparisons, sides, { samples, seed });
  const categories: Partial<Record<PromptCategory, ScopeSummary>> = {};
  for (const category of promptCategories) {
    const inCategory = comparisons.filter(({ record }) => record.category === category);
    const summary = summarizeScope(inCategory, sides, { samples, seed });
    if (summary.totals.games > 0) categories[category] = summary;
  }
  return { overall, categories, bootstrap: samples, seed };
}
