import { playerOf } from "./bradley-terry.js";
import type { ComparisonRecord, PromptCategory, VoteChoice, VotedComparison } from "./types.js";

/**
 * How a vote was cast: blind (the member did not know which model wrote which answer) or labelled (they did: a
 * labelled comparison, or a blind one whose vote was changed after the reveal).
 */
export type VoteCondition = "blind" | "labelled";
export const voteConditions: readonly VoteCondition[] = ["blind", "labelled"];

/** A model in a role: what one side of a comparison stands for. */
export interface Player {
  model: string;
  role: "base" | "instruct";
}

/**
 * One entry of the vote tally: how many comparisons (`comparisons`) got exactly these votes of one condition, in one
 * prompt category, between players `x` and `y` (`x` sorts first by {@link playerOf}). The tally keeps comparisons
 * whole because votes on one comparison are not independent (several members judged the same two answers): the
 * intervals resample comparisons, not votes. Its size grows with the number of distinct vote patterns, not with votes.
 */
export interface TallyCell {
  condition: VoteCondition;
  category: PromptCategory;
  x: Player;
  y: Player;
  xWins: number;
  yWins: number;
  ties: number;
  bothBad: number;
  comparisons: number;
}

/** A stored vote: the choice, marked when it was changed after the member saw which model was which. */
export interface StoredVote {
  choice: VoteChoice;
  /** Cast on a blind comparison after the reveal: it counts as labelled. */
  seen: boolean;
}

const SEEN = ":seen";

/** A vote as the votes hash stores it: `A`, or `A:seen` when changed after the reveal. */
export function encodeVote(vote: StoredVote): string {
  return vote.seen ? `${vote.choice}${SEEN}` : vote.choice;
}

/** Reads a vote from the votes hash. */
export function decodeVote(value: string): StoredVote {
  const seen = value.endsWith(SEEN);
  return { choice: (seen ? value.slice(0, -SEEN.length) : value) as VoteChoice, seen };
}

/** Whether a vote counts as blind or labelled. */
export function conditionOf(blindComparison: boolean, seen: boolean): VoteCondition {
  return blindComparison && !seen ? "blind" : "labelled";
}

/** Whether a member pressed Stop on a comparison (a side ended "aborted"): a cut-off answer takes no votes. */
export function isStopped(record: Pick<ComparisonRecord, "sides">): boolean {
  return record.sides.some((side) => side.stopReason === "aborted");
}

/** The tally's field for a cell: a JSON array, so that any model name is safe in it. */
export function tallyField(cell: Omit<TallyCell, "comparisons">): string {
  const { condition, category, x, y, xWins, yWins, ties, bothBad } = cell;
  return JSON.stringify([condition, category, x.model, x.role, y.model, y.role, xWins, yWins, ties, bothBad]);
}

/** A tally field and its count as a cell, or null for a field that is not one. */
export function parseTallyField(field: string, comparisons: number): TallyCell | null {
  try {
    const parts = JSON.parse(field) as unknown;
    if (!Array.isArray(parts) || parts.length !== 10) return null;
    const [condition, category, xModel, xRole, yModel, yRole, xWins, yWins, ties, bothBad] = parts as unknown[];
    if (condition !== "blind" && condition !== "labelled") return null;
    if (typeof xModel !== "string" || typeof yModel !== "string") return null;
    const counts = [xWins, yWins, ties, bothBad];
    if (!counts.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0)) return null;
    return {
      condition,
      category: category as PromptCategory,
      x: { model: xModel, role: xRole as Player["role"] },
      y: { model: yModel, role: yRole as Player["role"] },
      xWins: xWins as number,
      yWins: yWins as number,
      ties: ties as number,
      bothBad: bothBad as number,
      comparisons,
    };
  } catch {
    return null;
  }
}

/**
 * Where a comparison's votes go in the tally: per condition, the field up to its four counts (the tally script
 * appends `xWins,yWins,ties,bothBad]`), and whether side A is player `x`.
 */
export function tallyLayout(record: Pick<ComparisonRecord, "category" | "sides">): {
  prefixes: Record<VoteCondition, string>;
  aIsX: boolean;
} {
  const [a, b] = record.sides;
  const aIsX = playerOf(a) <= playerOf(b);
  const [x, y] = aIsX ? [a, b] : [b, a];
  const prefix = (condition: VoteCondition) =>
    `${JSON.stringify([condition, record.category, x.model, x.role, y.model, y.role]).slice(0, -1)},`;
  return { prefixes: { blind: prefix("blind"), labelled: prefix("labelled") }, aIsX };
}

/**
 * The tally of a set of comparisons, built from scratch (stopped comparisons left out): what the incremental tally
 * in Redis holds for the same votes.
 */
export function tallyCells(comparisons: readonly VotedComparison[]): TallyCell[] {
  const cells = new Map<string, TallyCell>();
  for (const { record, votes, seen = [] } of comparisons) {
    if (isStopped(record)) continue;
    const { aIsX } = tallyLayout(record);
    const [a, b] = record.sides;
    const [x, y] = aIsX ? [a, b] : [b, a];
    for (const condition of voteConditions) {
      const counts = { xWins: 0, yWins: 0, ties: 0, bothBad: 0 };
      for (const [userId, choice] of Object.entries(votes)) {
        if (conditionOf(record.blind, seen.includes(userId)) !== condition) continue;
        if (choice === "A") counts[aIsX ? "xWins" : "yWins"] += 1;
        else if (choice === "B") counts[aIsX ? "yWins" : "xWins"] += 1;
        else counts[choice === "tie" ? "ties" : "bothBad"] += 1;
      }
      if (counts.xWins + counts.yWins + counts.ties + counts.bothBad === 0) continue;
      const cell: TallyCell = {
        condition,
        category: record.category,
        x: { model: x.model, role: x.role },
        y: { model: y.model, role: y.role },
        ...counts,
        comparisons: 1,
      };
      const field = tallyField(cell);
      const known = cells.get(field);
      if (known) known.comparisons += 1;
      else cells.set(field, cell);
    }
  }
  return [...cells.values()];
}
