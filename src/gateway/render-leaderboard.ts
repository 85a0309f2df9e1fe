import { escapeMarkdown, type APIEmbed } from "discord.js";
import type { LeaderboardSummary, PlayerStanding, PreferenceTotals } from "../shared/preferences/leaderboard.js";
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
