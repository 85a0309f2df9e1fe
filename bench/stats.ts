/** Summary of a sample of numbers (milliseconds, tokens/s, …); null where the sample is empty. */
export interface Summary {
  n: number;
  min: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** The `q`-th percentile (0-100) of `values` by the nearest-rank method; null for an empty sample. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** n, min, p50, p99, max and mean of `values`, rounded to `digits` decimals. */
export function summarize(values: readonly number[], digits = 1): Summary {
  const round = (x: number | null) => (x === null ? null : Number(x.toFixed(digits)));
  const mean = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  return {
    n: values.length,
    min: round(values.length === 0 ? null : Math.min(...values)),
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(values.length === 0 ? null : Math.max(...values)),
    mean: round(mean),
  };
}
