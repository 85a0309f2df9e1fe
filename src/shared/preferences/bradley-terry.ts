import {
  countGames,
  gameClusters,
  indexClusters,
  resampleGames,
  type Counts,
  type Game,
  type GameCluster,
} from "./game-clusters.js";
import type { ComparedSide } from "./types.js";

export type { Game, GameCluster } from "./game-clusters.js";

/*
 * Ratings from votes with the Bradley-Terry model: player i beats player j with probability p_i / (p_i + p_j).
 * Ties count as half a win for each side (the usual "ties as half wins" treatment, as in chess scoring): a tie adds
 * one game between the two players and half a point to each. A "both bad" vote says nothing about which side is
 * better, so it is not a game; it is counted separately.
 *
 * Strengths are fitted by Hunter's MM iteration (Zermelo's algorithm):
 *   p_i <- W_i / sum_j n_ij / (p_i + p_j),
 * with W_i the points of i and n_ij the games between i and j. A weak prior keeps an undefeated (or winless) player
 * finite and the fit defined on any set of games: every player also plays one virtual tied game against a fixed
 * pseudo-player of strength 1 (half a point, one game). Each MM step is followed by the best common rescaling (the
 * games fix strengths only up to a common factor), and the steps are accelerated with SQUAREM; both keep the
 * iteration's fixed point, the maximum of the posterior. The strengths then go on an Elo-like scale,
 *   rating = 1000 + 400 * log10(p / geometric mean of all players' p),
 * so 1000 is the average player and 400 points mean 10:1 odds.
 */

/** A rating and win-rate interval for one player. */
export interface PlayerInterval {
  ratingLow: number;
  ratingHigh: number;
  winRateLow: number;
  winRateHigh: number;
}

export interface FitOptions {
  /** Stop when an MM step changes no strength by more than this fraction (default 1e-9). */
  tolerance?: number;
  /** Stop after about this many MM steps at most (default 10,000). */
  maxIterations?: number;
}

export interface BootstrapOptions extends FitOptions {
  /** How many resamples (default 1000). */
  samples?: number;
  /** Seed of the resampling PRNG: the same seed gives the same intervals (default 1). */
  seed?: number;
  /** Coverage of the intervals (default 0.95: the 2.5th and 97.5th percentiles). */
  level?: number;
}

/** The center of the rating scale: an average player. */
export const RATING_CENTER = 1000;
/** Rating points for 10:1 odds. */
export const RATING_SCALE = 400;
const PRIOR_POINTS = 0.5;
const PRIOR_GAMES = 1;
const DEFAULTS = { tolerance: 1e-9, maxIterations: 10_000, samples: 1000, seed: 1, level: 0.95 };

/** The player a side stands for: a model in a role, e.g. `gemma-3-1b (base)`. */
export function playerOf(side: Pick<ComparedSide, "model" | "role">): string {
  return `${side.model} (${side.role})`;
}

/** A tiny seeded PRNG (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One MM step from `strength` into `next` (Hunter's update, then the best common scale); returns the largest change. */
function mmStep(counts: Counts, strength: Float64Array, next: Float64Array): number {
  const { indexed, pairGames, points } = counts;
  const count = strength.length;
  for (let i = 0; i < count; i++) next[i] = PRIOR_GAMES / (strength[i]! + 1);
  for (let pair = 0; pair < pairGames.length; pair++) {
    const games = pairGames[pair]!;
    if (games === 0) continue;
    const first = indexed.pairFirst[pair]!;
    const second = indexed.pairSecond[pair]!;
    const share = games / (strength[first]! + strength[second]!);
    next[first]! += share;
    next[second]! += share;
  }
  for (let i = 0; i < count; i++) next[i] = (points[i]! + PRIOR_POINTS) / next[i]!;
  const scale = bestScale(next);
  let change = 0;
  for (let i = 0; i < count; i++) {
    next[i]! *= scale;
    change = Math.max(change, Math.abs(next[i]! / strength[i]! - 1));
  }
  return change;
}

/** The log-posterior the MM steps climb: Bradley-Terry log-likelihood plus the virtual ties. */
function logPosterior(counts: Counts, strength: Float64Array): number {
  const { indexed, pairGames, points } = counts;
  let total = 0;
  for (let i = 0; i < strength.length; i++) {
    total += (points[i]! + PRIOR_POINTS) * Math.log(strength[i]!) - PRIOR_GAMES * Math.log(strength[i]! + 1);
  }
  for (let pair = 0; pair < pairGames.length; pair++) {
    const games = pairGames[pair]!;
    if (games !== 0)
      total -= games * Math.log(strength[indexed.pairFirst[pair]!]! + strength[indexed.pairSecond[pair]!]!);
  }
  return total;
}

/**
 * Fits strengths by Hunter's MM iteration, sped up with SQUAREM (Varadhan & Roland, 2008): after two MM steps it
 * extrapolates along their direction (in log-strengths) and takes one more MM step from there, keeping the result only
 * if it fits at least as well as the plain second step; so it converges to the same fixed point as plain MM, in
 * several times fewer steps where the games are sparse. Stops when an MM step changes no strength by more than the
 * tolerance.
 */
function fitStrengths(counts: Counts, start: Float64Array | undefined, options: FitOptions): Float64Array {
  const tolerance = options.tolerance ?? DEFAULTS.tolerance;
  const maxIterations = options.maxIterations ?? DEFAULTS.maxIterations;
  const count = counts.points.length;
  if (count === 2) return fitPair(counts, start, tolerance, maxIterations);
  let strength = start === undefined ? new Float64Array(count).fill(1) : Float64Array.from(start);
  let first = new Float64Array(count);
  let second = new Float64Array(count);
  let jumped = new Float64Array(count);
  let landed = new Float64Array(count);
  for (let steps = 0; steps < maxIterations; steps += 3) {
    if (mmStep(counts, strength, first) < tolerance) return first;
    if (mmStep(counts, first, second) < tolerance) return second;
    let r2 = 0;
    let v2 = 0;
    for (let i = 0; i < count; i++) {
      const r = Math.log(first[i]! / strength[i]!);
      const v = Math.log(second[i]! / first[i]!) - r;
      r2 += r * r;
      v2 += v * v;
    }
    const alpha = v2 === 0 ? -1 : -Math.max(1, Math.sqrt(r2 / v2));
    for (let i = 0; i < count; i++) {
      const r = Math.log(first[i]! / strength[i]!);
      const v = Math.log(second[i]! / first[i]!) - r;
      jumped[i] = strength[i]! * Math.exp(-2 * alpha * r + alpha * alpha * v);
    }
    mmStep(counts, jumped, landed);
    const better = logPosterior(counts, landed) >= logPosterior(counts, second);
    [strength, first, second, jumped, landed] = better
      ? [landed, first, second, jumped, strength]
      : [second, first, strength, jumped, landed];
  }
  return strength;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The same maximum for exactly two players (one base/instruct pair: the common case), by Newton's method on the two
 * log-strengths u and v, where the log-posterior is concave:
 *   f = (W_1 + 1/2) u - ln(1 + e^u) + (W_2 + 1/2) v - ln(1 + e^v) - n ln(e^u + e^v).
 * A handful of steps instead of the MM iteration's tens: what keeps a bootstrap of a pair cheap.
 */
function fitPair(counts: Counts, start: Float64Array | undefined, tolerance: number, maxIterations: number) {
  const n = counts.pairGames.length === 0 ? 0 : counts.pairGames[0]!;
  const w1 = counts.points[0]! + PRIOR_POINTS;
  const w2 = counts.points[1]! + PRIOR_POINTS;
  let u = start === undefined ? 0 : Math.log(start[0]!);
  let v = start === undefined ? 0 : Math.log(start[1]!);
  for (let step = 0; step < maxIterations; step++) {
    const su = sigmoid(u);
    const sv = sigmoid(v);
    const s = sigmoid(u - v);
    const gu = w1 - PRIOR_GAMES * su - n * s;
    const gv = w2 - PRIOR_GAMES * sv - n * (1 - s);
    const shared = n * s * (1 - s);
    const huu = -PRIOR_GAMES * su * (1 - su) - shared;
    const hvv = -PRIOR_GAMES * sv * (1 - sv) - shared;
    const det = huu * hvv - shared * shared;
    // Newton step: -H^-1 g, each coordinate held within ±2 so that a far start cannot overshoot.
    const du = Math.max(-2, Math.min(2, -(hvv * gu - shared * gv) / det));
    const dv = Math.max(-2, Math.min(2, -(huu * gv - shared * gu) / det));
    u += du;
    v += dv;
    if (Math.max(Math.abs(du), Math.abs(dv)) < tolerance) break;
  }
  return Float64Array.from([Math.exp(u), Math.exp(v)]);
}

/**
 * The factor c that, applied to every strength, best fits the prior. Games only fix strengths up to a common factor,
 * so the prior alone sets the scale, and plain MM would creep toward it by tiny steps; solving for c exactly (Newton
 * on log c of sum_i c p_i / (c p_i + 1) = players * PRIOR_POINTS / PRIOR_GAMES) after each MM step keeps every step an
 * ascent step and makes the iteration converge in tens of steps instead of thousands.
 */
function bestScale(strength: Float64Array): number {
  const target = (strength.length * PRIOR_POINTS) / PRIOR_GAMES;
  let logScale = 0;
  for (let step = 0; step < 50; step++) {
    const scale = Math.exp(logScale);
    let value = -target;
    let slope = 0;
    for (const p of strength) {
      const share = (scale * p) / (scale * p + 1);
      value += share;
      slope += share * (1 - share);
    }
    if (slope === 0) break;
    const move = Math.max(-2, Math.min(2, -value / slope));
    logScale += move;
    if (Math.abs(move) < 1e-12) break;
  }
  return Math.exp(logScale);
}

/** Strengths to the Elo-like scale, centred on the geometric mean of all players. */
function toRatings(strength: Float64Array): Float64Array {
  let logSum = 0;
  for (const p of strength) logSum += Math.log10(p);
  const logMean = strength.length === 0 ? 0 : logSum / strength.length;
  return strength.map((p) => RATING_CENTER + RATING_SCALE * (Math.log10(p) - logMean));
}

/**
 * Fits Bradley-Terry ratings to `games` (ties as half wins, one virtual tie per player as a prior) and returns each
 * of `players`' rating on the Elo-like scale (1000 = the geometric-mean player, +400 = 10:1 odds).
 * Every player a game names must be in `players`; a player without games gets a rating from the prior alone.
 */
export function fitBradleyTerry(
  games: readonly Game[],
  players: readonly string[],
  options: FitOptions = {},
): Map<string, number> {
  return fitClusters(gameClusters(games), players, options);
}

/** {@link fitBradleyTerry} over clusters of games: the same fit, from counts instead of one entry per game. */
export function fitClusters(
  clusters: readonly GameCluster[],
  players: readonly string[],
  options: FitOptions = {},
): Map<string, number> {
  const indexed = indexClusters(clusters, players);
  const ratings = toRatings(fitStrengths(countGames(indexed), undefined, options));
  return new Map(players.map((player, i) => [player, ratings[i]!]));
}

/** The `q` quantile (0..1) of ascending `sorted` values, interpolating linearly between neighbours. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Percentile-bootstrap intervals: resamples `games` with replacement (as many as there are) `samples` times with a
 * PRNG seeded by `seed`, refits each resample, and takes the (1 - level) / 2 and (1 + level) / 2 percentiles of each
 * player's rating and win rate (its share of points in its games, ties as half). Resamples in which a player has no
 * games don't count toward that player's intervals; a player with no games gets its point values, or NaN.
 */
export function bootstrap(
  games: readonly Game[],
  players: readonly string[],
  options: BootstrapOptions = {},
): Map<string, PlayerInterval> {
  return bootstrapClusters(gameClusters(games), players, options);
}

/**
 * {@link bootstrap} that resamples whole clusters, then the games within them (a two-stage bootstrap, see
 * `resampleGames`). With one cluster per comparison, its intervals account for several members having judged the
 * same two answers; with one game per cluster it is the plain bootstrap. Each resample costs a few binomial draws
 * per distinct cluster, whatever the number of games.
 */
export function bootstrapClusters(
  clusters: readonly GameCluster[],
  players: readonly string[],
  options: BootstrapOptions = {},
): Map<string, PlayerInterval> {
  const samples = options.samples ?? DEFAULTS.samples;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer: ${samples}`);
  const level = options.level ?? DEFAULTS.level;
  const indexed = indexClusters(clusters, players);
  const count = players.length;
  const full = countGames(indexed);
  const start = fitStrengths(full, undefined, options);
  const random = mulberry32(options.seed ?? DEFAULTS.seed);
  const ratings: number[][] = players.map(() => []);
  const winRates: number[][] = players.map(() => []);
  const playerGames = new Float64Array(count);
  for (let sample = 0; sample < samples && indexed.clusterCount.length > 0; sample++) {
    const resample = resampleGames(indexed, random);
    const { pairGames, points } = resample;
    const rating = toRatings(fitStrengths(resample, start, options));
    playerGames.fill(0);
    for (let pair = 0; pair < pairGames.length; pair++) {
      playerGames[indexed.pairFirst[pair]!]! += pairGames[pair]!;
      playerGames[indexed.pairSecond[pair]!]! += pairGames[pair]!;
    }
    for (let i = 0; i < count; i++) {
      if (playerGames[i] === 0) continue;
      ratings[i]!.push(rating[i]!);
      winRates[i]!.push(points[i]! / playerGames[i]!);
    }
  }
  const pointRatings = toRatings(start);
  const low = (1 - level) / 2;
  const high = (1 + level) / 2;
  return new Map(
    players.map((player, i): [string, PlayerInterval] => {
      const rating = ratings[i]!.sort((x, y) => x - y);
      const winRate = winRates[i]!.sort((x, y) => x - y);
      if (rating.length === 0) {
        return [
          player,
          { ratingLow: pointRatings[i]!, ratingHigh: pointRatings[i]!, winRateLow: NaN, winRateHigh: NaN },
        ];
      }
      return [
        player,
        {
          ratingLow: quantile(rating, low),
          ratingHigh: quantile(rating, high),
          winRateLow: quantile(winRate, low),
          winRateHigh: quantile(winRate, high),
        },
      ];
    }),
  );
}
