import { escapeMarkdown, type APIEmbed } from "discord.js";
import { oneLine } from "../discord/labels.js";
import { bootstrap, fitBradleyTerry, playerOf, tallyVotes, type Game } from "./bradley-terry.js";
import { CATEGORY_LABELS, promptCategories } from "./categories.js";
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

/** Discord's embed limits. */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;
/** Room each category field is promised before the ranking takes the rest of the description's share. */
const FIELD_RESERVE = 250;
const COLOR = 0xeb459e;

const percent = (share: number) => `${Math.round(share * 100)}%`;
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** "win rate 78% (95% CI 70–85%)". */
function winRateText(player: PlayerStanding): string {
  const low = Math.round(player.winRateLow * 100);
  const high = Math.round(player.winRateHigh * 100);
  return `win rate ${percent(player.winRate)} (95% CI ${low}–${high}%)`;
}

function playerName(player: PlayerStanding): string {
  return `**${escapeMarkdown(oneLine(player.model, 60))}** (${player.role})`;
}

/** Two lines for a player overall: name and rating, then win rate and record. */
function overallLine(player: PlayerStanding, rank: number): string {
  const rating = `rating ${Math.round(player.rating)} (${Math.round(player.ratingLow)}–${Math.round(player.ratingHigh)})`;
  const record = `${plural(player.games, "game")}: ${player.wins} won, ${player.losses} lost, ${player.ties} tied`;
  return `#${rank} · ${playerName(player)} · ${rating}\n${winRateText(player)} · ${record}`;
}

/** One line for a player in a category. */
function categoryLine(player: PlayerStanding, rank: number): string {
  return `#${rank} · ${playerName(player)} · ${winRateText(player)} · rating ${Math.round(player.rating)}`;
}

/** `lines` joined by `separator`, as many as fit in `max` characters, then a line saying how many were left out. */
function fitLines(lines: readonly string[], max: number, separator = "\n"): string {
  let text = "";
  for (const [i, line] of lines.entries()) {
    const candidate = text === "" ? line : `${text}${separator}${line}`;
    const rest = lines.length - i - 1;
    const more = rest === 0 ? "" : `${separator}…and ${rest} more`;
    if (candidate.length + more.length > max) {
      const left = `…and ${lines.length - i} more`;
      return text === "" ? oneLine(left, max) : `${text}${separator}${left}`;
    }
    text = candidate;
  }
  return text;
}

function totalsText(totals: PreferenceTotals): string {
  return (
    `**${plural(totals.votes, "vote")}** on **${plural(totals.comparisons, "comparison")}** · ` +
    `both bad: ${totals.bothBad} (${percent(totals.bothBadShare)})`
  );
}

/**
 * The leaderboard as a Discord embed, within Discord's limits: players ranked by rating with their win rates and
 * 95% intervals, the vote counts and the "both bad" share, one field per prompt category, and the method in a line.
 */
export function renderLeaderboard(summary: LeaderboardSummary, scopeName: string): APIEmbed {
  const title = oneLine(`Base vs instruct leaderboard · ${scopeName}`, EMBED_LIMITS.title);
  const { overall } = summary;
  if (overall.totals.votes === 0) {
    return {
      title,
      color: COLOR,
      description:
        "No votes yet. Run `/compare`, then vote with the buttons under the answers (A, B, tie or both bad): " +
        "the leaderboard fills in as members vote.",
    };
  }
  const footer =
    "Bradley-Terry ratings (1000 = average) from every vote, ties counted as half a win for each side, " +
    `with 95% bootstrap intervals (${summary.bootstrap} resamples); "both bad" votes are not games.`;
  const shown = promptCategories.filter((category) => summary.categories[category] !== undefined);
  const fields = shown.slice(0, EMBED_LIMITS.fields).map((category) => {
    const scope = summary.categories[category]!;
    const name = oneLine(
      `${CATEGORY_LABELS[category]} · ${plural(scope.totals.votes, "vote")} · both bad ${percent(scope.totals.bothBadShare)}`,
      EMBED_LIMITS.fieldName,
    );
    const lines = scope.players.map((player, i) => categoryLine(player, i + 1));
    return { name, lines, reserve: name.length + Math.min(lines.join("\n").length, FIELD_RESERVE) };
  });
  const reserved = title.length + footer.length + fields.reduce((sum, field) => sum + field.reserve, 0);
  const head = totalsText(overall.totals);
  const ranking =
    overall.players.length === 0
      ? 'No A-vs-B preferences yet: every vote so far says "both bad".'
      : fitLines(
          overall.players.map((player, i) => overallLine(player, i + 1)),
          Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - reserved) - head.length - 2,
          "\n\n",
        );
  const description = `${head}\n\n${ranking}`;
  const used = title.length + description.length + footer.length + fields.reduce((sum, f) => sum + f.name.length, 0);
  const perField = Math.min(
    EMBED_LIMITS.fieldValue,
    Math.floor((EMBED_LIMITS.total - used) / Math.max(fields.length, 1)),
  );
  return {
    title,
    color: COLOR,
    description,
    fields: fields.map(({ name, lines }) => ({ name, value: fitLines(lines, perField) })),
    footer: { text: footer },
  };
}
