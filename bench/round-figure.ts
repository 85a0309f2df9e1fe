/** One round: its wall time, the tokens generated in it and their rate. */
export interface RoundFigure {
  wallMs: number;
  tokens: number;
  tokensPerSecond: number;
}

/** A round's figure, rounded to 0.1. */
export function roundFigure(wallMs: number, tokens: number): RoundFigure {
  return {
    wallMs: Math.round(wallMs * 10) / 10,
    tokens,
    tokensPerSecond: wallMs > 0 ? Math.round((tokens / wallMs) * 1000 * 10) / 10 : 0,
  };
}

/** All tokens of all rounds over their summed wall time, in tokens/s. */
export function overallRate(rounds: readonly RoundFigure[]): number {
  return roundFigure(
    rounds.reduce((s, r) => s + r.wallMs, 0),
    rounds.reduce((s, r) => s + r.tokens, 0),
  ).tokensPerSecond;
}
