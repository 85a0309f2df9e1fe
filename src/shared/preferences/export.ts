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
    votes: VoteCounts;
    category: PromptCategory;
    blind: boolean;
    guildId: string | null;
    /** When the comparison was made, as an ISO 8601 string. */
    createdAt: string;
    sampling: ComparisonRecord["sampling"];
    systemPrompt: string;
  };
}

/** Counts a comparison's votes by choice. */
export function countVotes(votes: VotedComparison["votes"]): VoteCounts {
  const counts: VoteCounts = { A: 0, B: 0, tie: 0, bothBad: 0 };
  for (const choice of Object.values(votes)) counts[choice] += 1;
  return counts;
}

/**
 * One row per comparison where more members voted for one side than for the other (A votes vs B votes; "tie" and
 * "both bad" votes are not preferences and only show in `metadata.votes`). Comparisons with as many A as B votes
 * (none included), and those whose two texts are identical, make no row. Rows keep the order of `comparisons`.
 */
export function preferenceRows(comparisons: readonly VotedComparison[]): PreferenceRow[] {
  const rows: PreferenceRow[] = [];
  for (const { record, votes } of comparisons) {
    const counts = countVotes(votes);
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
