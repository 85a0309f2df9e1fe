import { sampleMultinomial } from "./binomial.js";

/*
 * Games as a Bradley-Terry fit reads them: per pair of players, games played and points won. Games come in clusters
 * (one comparison's votes, or identical single games merged), so that counts stand in for long lists of games.
 */

/** One game between two different players; `score` is what `a` got: 1 a win, 0.5 a tie, 0 a loss. */
export interface Game {
  a: string;
  b: string;
  score: 0 | 0.5 | 1;
}

/**
 * Games grouped for fitting: each group is one pair of players with its wins each way and its ties, repeated `count`
 * times. A single game is a group of one; one comparison with several members' votes is a group too, so that a
 * bootstrap can resample whole comparisons (their votes are not independent: the same two answers were judged).
 */
export interface GameCluster {
  a: string;
  b: string;
  aWins: number;
  bWins: number;
  ties: number;
  /** How many times these games occur (e.g. how many comparisons got exactly these votes). Defaults to 1. */
  count?: number;
}

/** Clusters indexed for fitting: the distinct player pairs, and per cluster its pair and its games each way. */
export interface Indexed {
  players: readonly string[];
  pairFirst: Int32Array;
  pairSecond: Int32Array;
  clusterPair: Int32Array;
  /** Per cluster: wins of the pair's first player, of its second, and ties (3 numbers a cluster). */
  clusterGames: Float64Array;
  clusterCount: Float64Array;
}

export function indexClusters(clusters: readonly GameCluster[], players: readonly string[]): Indexed {
  const position = new Map(players.map((player, i) => [player, i]));
  const pairIds = new Map<number, number>();
  const firsts: number[] = [];
  const seconds: number[] = [];
  const kept = clusters.filter((c) => (c.count ?? 1) > 0 && c.aWins + c.bWins + c.ties > 0);
  const clusterPair = new Int32Array(kept.length);
  const clusterGames = new Float64Array(3 * kept.length);
  const clusterCount = new Float64Array(kept.length);
  kept.forEach((cluster, g) => {
    const a = position.get(cluster.a);
    const b = position.get(cluster.b);
    if (a === undefined || b === undefined)
      throw new Error(`A game names a player not in the list: ${cluster.a} vs ${cluster.b}`);
    if (a === b) throw new Error(`A game between a player and itself: ${cluster.a}`);
    const [first, second, firstWins, secondWins] =
      a < b ? [a, b, cluster.aWins, cluster.bWins] : [b, a, cluster.bWins, cluster.aWins];
    const key = first * players.length + second;
    let pair = pairIds.get(key);
    if (pair === undefined) {
      pair = firsts.length;
      pairIds.set(key, pair);
      firsts.push(first);
      seconds.push(second);
    }
    clusterPair[g] = pair;
    clusterGames.set([firstWins, secondWins, cluster.ties], 3 * g);
    clusterCount[g] = cluster.count ?? 1;
  });
  return {
    players,
    pairFirst: Int32Array.from(firsts),
    pairSecond: Int32Array.from(seconds),
    clusterPair,
    clusterGames,
    clusterCount,
  };
}

/** One cluster per game, identical games merged: resampling games is then resampling these clusters. */
export function gameClusters(games: readonly Game[]): GameCluster[] {
  const merged = new Map<string, GameCluster>();
  for (const { a, b, score } of games) {
    const key = JSON.stringify([a, b, score]);
    const cluster = merged.get(key);
    if (cluster) cluster.count = (cluster.count ?? 1) + 1;
    else merged.set(key, { a, b, aWins: score === 1 ? 1 : 0, bWins: score === 0 ? 1 : 0, ties: score === 0.5 ? 1 : 0 });
  }
  return [...merged.values()];
}

/** Games per pair and points per player of all the clusters. */
export function countGames(indexed: Indexed): Counts {
  const counts = emptyCounts(indexed);
  for (let g = 0; g < indexed.clusterPair.length; g++) {
    const at = 3 * g;
    const times = indexed.clusterCount[g]!;
    const games = indexed.clusterGames;
    addGames(counts, g, games[at]! * times, games[at + 1]! * times, games[at + 2]! * times);
  }
  return counts;
}

/**
 * One two-stage bootstrap resample: as many clusters as there are, drawn with replacement (one multinomial draw over
 * the distinct clusters), then the games within the drawn clusters, drawn with replacement from each (one multinomial
 * per distinct cluster). The first stage carries the variation between comparisons, the second the variation of the
 * votes within one (with a single comparison, the only variation there is); a single game resamples to itself.
 */
export function resampleGames(indexed: Indexed, random: () => number): Counts {
  const counts = emptyCounts(indexed);
  let total = 0;
  for (const times of indexed.clusterCount) total += times;
  const drawn = sampleMultinomial(total, indexed.clusterCount, random);
  const within = new Float64Array(3);
  for (let g = 0; g < indexed.clusterPair.length; g++) {
    const times = drawn[g]!;
    if (times === 0) continue;
    within.set(indexed.clusterGames.subarray(3 * g, 3 * g + 3));
    const games = times * (within[0]! + within[1]! + within[2]!);
    const [first, second, ties] = sampleMultinomial(games, within, random);
    addGames(counts, g, first!, second!, ties!);
  }
  return counts;
}

function emptyCounts(indexed: Indexed): Counts {
  return {
    indexed,
    pairGames: new Float64Array(indexed.pairFirst.length),
    points: new Float64Array(indexed.players.length),
  };
}

function addGames(counts: Counts, cluster: number, firstWins: number, secondWins: number, ties: number): void {
  const { indexed, pairGames, points } = counts;
  const pair = indexed.clusterPair[cluster]!;
  pairGames[pair]! += firstWins + secondWins + ties;
  points[indexed.pairFirst[pair]!]! += firstWins + ties / 2;
  points[indexed.pairSecond[pair]!]! += secondWins + ties / 2;
}

/** The games of one fit: games per pair and points per player. */
export interface Counts {
  indexed: Indexed;
  pairGames: Float64Array;
  points: Float64Array;
}
