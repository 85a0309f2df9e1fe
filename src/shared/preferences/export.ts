import { conditionOf, isStopped } from "./tally.js";
import type { ComparedSide, ComparisonRecord, PromptCategory, VotedComparison } from "./types.js";

/** How members voted on one comparison. */
export interface VoteCounts {
  A: number;
  B: number;
  tie: number;
  bothBad: number;
}

/**
 * One preference pair in the common DPO format (TRL's DPOTrainer reads `prompt`, `chosen` and `rejected`; it ignores
 * `metadata`). `prompt` is the raw prompt text as the member typed it: no chat template and no system prompt, although
 * the instruct side saw both (the system prompt is in `metadata.systemPrompt`) and the base side continued the raw
 * text. `chosen` and `rejected` are the two sides' generated texts.
 */
export interface PreferenceRow {
  prompt: string;
  chosen: string;
  rejected: string;
  metadata: {
    comparisonId: string;
    chosenModel: string;
    chosenRole: ComparedSide["role"];
    rejectedModel: string;
    rejectedRole: ComparedSide["role"];
    /** Every vote: `blindVotes` plus `labelledVotes`. */
    votes: VoteCounts;
    /** Votes cast without knowing which model wrote which (a blind comparison, before its reveal). */
    blindVotes: VoteCounts;
    /** Votes cast knowing it (a labelled comparison, or a blind one changed after the reveal): biased by the label. */
    labelledVotes: VoteCounts;
    category: PromptCategory;
    blind: boolean;
    guildId: string | null;
    /** When the comparison was made, as an ISO 8601 string. */
    createdAt: string;
    sampling: ComparisonRecord["sampling"];
    systemPrompt: string;
  };
}

/** Counts a comparison's votes by choice, all of them or only the blind or the labelled ones. */
export function countVotes(
  comparison: Pick<VotedComparison, "votes" | "seen"> & { record: Pick<ComparisonRecord, "blind"> },
  condition?: "blind" | "labelled",
): VoteCounts {
  const counts: VoteCounts = { A: 0, B: 0, tie: 0, bothBad: 0 };
  const seen = comparison.seen ?? [];
  for (const [userId, choice] of Object.entries(comparison.votes)) {
    if (condition === undefined || conditionOf(comparison.record.blind, seen.includes(userId)) === condition) {
      counts[choice] += 1;
    }
  }
  return counts;
}

/**
 * One row per comparison where more members voted for one side than for the other (A votes vs B votes, blind and
 * labelled together; "tie" and "both bad" votes are not preferences and only show in `metadata.votes`). The blind and
 * labelled votes are in the metadata apart, so a reader can keep only rows decided blind. Comparisons with as many A
 * as B votes (none included), stopped ones (a cut-off answer is no fair test), and those whose two texts are
 * identical make no row. Rows keep the order of `comparisons`.
 */
export function preferenceRows(comparisons: readonly VotedComparison[]): PreferenceRow[] {
  const rows: PreferenceRow[] = [];
  for (const comparison of comparisons) {
    const { record } = comparison;
    if (isStopped(record)) continue;
    const counts = countVotes(comparison);
    if (counts.A === counts.B) continue;
    const [chosen, rejected] = counts.A > counts.B ? record.sides : [record.sides[1], record.sides[0]];
    if (chosen.text === rejected.text) continue;
    rows.push({
      prompt: record.prompt,
      chosen: chosen.text,
      rejected: rejected.text,
      metadata: {
        comparisonId: record.id,
        chosenModel: chosen.model,
        chosenRole: chosen.role,
        rejectedModel: rejected.model,
        rejectedRole: rejected.role,
        votes: counts,
        blindVotes: countVotes(comparison, "blind"),
        labelledVotes: countVotes(comparison, "labelled"),
        category: record.category,
        blind: record.blind,
        guildId: record.guildId,
        createdAt: new Date(record.createdAt).toISOString(),
        sampling: { ...record.sampling },
        systemPrompt: record.systemPrompt,
      },
    });
  }
  return rows;
}

/** How many votes the exportable comparisons (stopped ones left out) hold, blind and labelled apart. */
export function voteTotals(comparisons: readonly VotedComparison[]): { blind: number; labelled: number } {
  const totals = { blind: 0, labelled: 0 };
  for (const comparison of comparisons) {
    if (isStopped(comparison.record)) continue;
    for (const condition of ["blind", "labelled"] as const) {
      const counts = countVotes(comparison, condition);
      totals[condition] += counts.A + counts.B + counts.tie + counts.bothBad;
    }
  }
  return totals;
}

/**
 * JSON Lines: one JSON object per row, each on its own line, with a final newline ("" for no rows). Newlines inside
 * texts are escaped by JSON; U+2028 and U+2029 are escaped too, so no reader splits a row.
 */
export function toJsonl(rows: readonly PreferenceRow[]): string {
  return rows
    .map(
      (row) =>
        `${JSON.stringify(row)
          .replace(/\u2028/g, "\\u2028")
          .replace(/\u2029/g, "\\u2029")}\n`,
    )
    .join("");
}
