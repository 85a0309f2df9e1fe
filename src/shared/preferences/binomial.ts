/*
 * Exact binomial and multinomial draws in time that does not grow with n, so a bootstrap over counts costs the same
 * at ten votes and at a million. Small means use the waiting-time (inversion) method, expected O(n·p) steps; larger
 * ones Hörmann's transformed rejection with squeeze, BTRS (W. Hörmann, "The generation of binomial random variates",
 * J. Statist. Comput. Simul. 46, 1993), as TensorFlow and JAX implement it. Both are exact.
 */

/** A uniform draw in the open interval (0, 1) from a PRNG that gives [0, 1) in steps of 2^-32. */
function open(random: () => number): number {
  return random() + 2 ** -33;
}

/** log(k!) - Stirling's approximation of it, from a table below 10, else from the series. */
function stirlingTail(k: number): number {
  const table = [
    0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
    0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
  ];
  if (k <= 9) return table[k]!;
  const square = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / square) / square) / (k + 1);
}

/** Waiting-time method: counts successes as the sum of geometric gaps until it passes n. For n·p < 10. */
function inversion(n: number, p: number, random: () => number): number {
  const logQ = Math.log1p(-p);
  let sum = 0;
  let successes = 0;
  for (;;) {
    sum += Math.ceil(Math.log(open(random)) / logQ);
    if (sum > n) return successes;
    successes += 1;
  }
}

/** BTRS for n·p >= 10 and p <= 0.5. */
function transformedRejection(n: number, p: number, random: () => number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = open(random) - 0.5;
    let v = open(random);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** A draw from Binomial(n, p): successes in `n` trials of probability `p`, exact, in O(1) expected time for large n. */
export function sampleBinomial(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - sampleBinomial(n, 1 - p, random);
  return n * p < 10 ? inversion(n, p, random) : transformedRejection(n, p, random);
}

/**
 * A draw from Multinomial(n, weights / sum): how `n` items fall into cells of the given weights, by one conditional
 * binomial per cell. Resampling n items with replacement from cells holding `weights` items is this draw.
 */
export function sampleMultinomial(n: number, weights: ArrayLike<number>, random: () => number): Float64Array {
  const out = new Float64Array(weights.length);
  let rest = n;
  let mass = 0;
  for (let i = 0; i < weights.length; i++) mass += weights[i]!;
  for (let i = 0; i < weights.length && rest > 0; i++) {
    const weight = weights[i]!;
    const drawn = i === weights.length - 1 || weight >= mass ? rest : sampleBinomial(rest, weight / mass, random);
    out[i] = drawn;
    rest -= drawn;
    mass -= weight;
  }
  return out;
}
