import { escapeMarkdown, type APIEmbed } from "discord.js";
import type {
  ConditionSummary,
  LeaderboardSummary,
  PlayerStanding,
  PreferenceTotals,
  ScopeSummary,
} from "../shared/preferences/leaderboard.js";
import type { VoteCondition } from "../shared/preferences/tally.js";
import { CATEGORY_LABELS, promptCategories } from "../shared/preferences/categories.js";
import { oneLine } from "../shared/labels.js";

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

const SECTION = {
  blind: {
    name: "Blind votes",
    why: "-# Nobody knew which model wrote which answer: the fair test.",
    none: "**Blind votes** · none yet. `/compare blind:true` hides the models until you vote: the fair test.",
  },
  labelled: {
    name: "Labelled votes",
    why: "-# Members saw which model was which, so a vote can follow the label.",
    none: "**Labelled votes** · none yet.",
  },
} as const;

function totalsText(totals: PreferenceTotals): string {
  return (
    `${plural(totals.votes, "vote")} on ${plural(totals.comparisons, "comparison")} · ` +
    `both bad: ${totals.bothBad} (${percent(totals.bothBadShare)})`
  );
}

/** The players of a scope, ranked within each group of models that were compared with each other. */
function rankingEntries(scope: ScopeSummary, line: (player: PlayerStanding, rank: number) => string): string[] {
  const entries: string[] = [];
  for (const [index, group] of scope.groups.entries()) {
    if (index > 0) entries.push("-# Never compared with the models above, so ranked apart:");
    entries.push(...group.map((player, i) => line(player, i + 1)));
  }
  return entries;
}

/** One kind of vote: its totals, why it counts apart, and its ranking, in at most `max` characters. */
function sectionText(condition: VoteCondition, summary: ConditionSummary, max: number): string {
  const { overall } = summary;
  if (overall.totals.votes === 0) return oneLine(SECTION[condition].none, max);
  const head = `**${SECTION[condition].name}** · ${totalsText(overall.totals)}\n${SECTION[condition].why}`;
  const ranking =
    overall.players.length === 0
      ? 'No A-vs-B preferences yet: every vote so far says "both bad".'
      : fitLines(rankingEntries(overall, overallLine), max - head.length - 1);
  return `${head}\n${ranking}`;
}

/**
 * The leaderboard as a Discord embed, within Discord's limits: blind votes first, then labelled votes (a labelled
 * vote is biased by the label), each with its players ranked by rating with win rates and 95% intervals, the vote
 * counts and the "both bad" share; one field per prompt category of the leading kind of vote; the method in a line.
 */
export function renderLeaderboard(summary: LeaderboardSummary, scopeName: string): APIEmbed {
  const title = oneLine(`Base vs instruct leaderboard · ${scopeName}`, EMBED_LIMITS.title);
  if (summary.blind.overall.totals.votes === 0 && summary.labelled.overall.totals.votes === 0) {
    return {
      title,
      color: COLOR,
      description:
        "No votes yet. Run `/compare` (with `blind:true` for the fair test), then vote with the buttons under the " +
        "answers (A, B, tie or both bad): the leaderboard fills in as members vote.",
    };
  }
  const footer =
    "Ratings: Bradley-Terry within each group of models that met (1000 = their average, +400 = 10:1 odds), ties " +
    `as half a win. 95% intervals: bootstrap over comparisons (${summary.bootstrap} resamples, ${summary.categoryBootstrap} per category). ` +
    '"Both bad" votes are not games.';
  const lead: VoteCondition = summary.blind.overall.totals.games > 0 ? "blind" : "labelled";
  const categories = summary[lead].categories;
  const shown = promptCategories.filter((category) => categories[category] !== undefined);
  const fields = shown.slice(0, EMBED_LIMITS.fields).map((category) => {
    const scope = categories[category]!;
    const name = oneLine(
      `${CATEGORY_LABELS[category]} · ${lead} · ${plural(scope.totals.votes, "vote")} · both bad ${percent(scope.totals.bothBadShare)}`,
      EMBED_LIMITS.fieldName,
    );
    const lines = rankingEntries(scope, categoryLine);
    return { name, lines, reserve: name.length + Math.min(lines.join("\n").length, FIELD_RESERVE) };
  });
  const reserved = title.length + footer.length + fields.reduce((sum, field) => sum + field.reserve, 0);
  const room = Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - reserved) - 2;
  const labelledShare = summary.labelled.overall.totals.votes === 0 ? 0.2 : 0.4;
  const labelled = sectionText("labelled", summary.labelled, Math.floor(room * labelledShare));
  const blind = sectionText("blind", summary.blind, room - labelled.length);
  const description = `${blind}\n\n${labelled}`;
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
