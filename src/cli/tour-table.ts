import type { ClaimResult } from "./run-tour.js";
import { padEnd, PLAIN, printable, wrap, type Style } from "./terminal-text.js";

const GUTTER = " │ ";
const HOLDS_WIDTH = 13;

/** A claim's verdict in words: "yes", "NO", and for a "typically" claim how many seeds held. */
export function verdict(result: ClaimResult): string {
  const word = result.holds ? "yes" : "NO";
  return result.seeds ? `${word} (${result.seeds.held} of ${result.seeds.total})` : word;
}

/**
 * The tour's table at `width` columns: for each step, the command, then a row per claim: the claim ("typically"
 * claims say so), what happened, and whether it holds.
 */
export function tourTable(results: readonly ClaimResult[], width: number, style: Style = PLAIN): string[] {
  const room = Math.max(40, width - HOLDS_WIDTH - GUTTER.length * 2);
  const claimWidth = Math.floor(room * 0.42);
  const sawWidth = room - claimWidth;
  const row = (cells: string[][], styleOf: (column: number, text: string) => string) => {
    const height = Math.max(...cells.map((c) => c.length));
    const widths = [claimWidth, sawWidth, HOLDS_WIDTH];
    return Array.from({ length: height }, (_, i) =>
      cells
        .map((c, column) => styleOf(column, padEnd(c[i] ?? "", widths[column] ?? 0)))
        .join(style.dim(GUTTER))
        .trimEnd(),
    );
  };
  const lines = row([["claim"], ["what happened"], ["holds"]], (_, text) => style.bold(text));
  let step: ClaimResult["step"] | null = null;
  for (const result of results) {
    if (result.step !== step) {
      step = result.step;
      lines.push("", style.label(printable(step.command)));
    }
    const claim = `${result.claim.typically ? "typically: " : ""}${result.claim.claim}`;
    lines.push(
      ...row(
        [wrap(printable(claim), claimWidth), wrap(printable(result.saw), sawWidth), [verdict(result)]],
        (column, text) => (column === 2 ? (result.holds ? style.good(text) : style.bad(text)) : text),
      ),
    );
  }
  return lines;
}
