/** How long stored data is kept, in milliseconds (settings are in days: `RESULT_RETENTION_DAYS`, …). */
export interface Retention {
  /** Results of /ask, /complete and the matrix, and comparisons nobody voted on (for "Show the exact prompts"). */
  resultMs: number;
  /** A comparison with votes, its votes and their share of the leaderboard, counted from the comparison's day. */
  voteMs: number;
  /** An /ask thread's conversation, counted from its last exchange. */
  conversationMs: number;
}

export const DAY_MS = 86_400_000;

/** The defaults, in days: results 30, votes (with their comparisons) 365, conversations 30. */
export const DEFAULT_RETENTION_DAYS = { results: 30, votes: 365, conversations: 30 } as const;

/** {@link DEFAULT_RETENTION_DAYS} as a {@link Retention}. */
export const DEFAULT_RETENTION: Retention = retentionFromDays(DEFAULT_RETENTION_DAYS);

/** A {@link Retention} from whole days. */
export function retentionFromDays(days: { results: number; votes: number; conversations: number }): Retention {
  return { resultMs: days.results * DAY_MS, voteMs: days.votes * DAY_MS, conversationMs: days.conversations * DAY_MS };
}

/** The longest any stored item lives: how long an index of items must outlive its last write. */
export function longestRetention(retention: Retention): number {
  return Math.max(retention.resultMs, retention.voteMs, retention.conversationMs);
}

/** When a result nobody voted on is forgotten. */
export function resultExpiry(createdAt: number, retention: Retention): number {
  return createdAt + retention.resultMs;
}

/** The leaderboard counts votes per period of this length (a day; shorter only for very short retentions). */
export function bucketMs(retention: Retention): number {
  return Math.min(DAY_MS, retention.voteMs);
}

/** The start of the tally period a comparison's votes count in: the start of its day. */
export function voteBucket(createdAt: number, retention: Retention): number {
  const size = bucketMs(retention);
  return Math.floor(createdAt / size) * size;
}

/**
 * When a voted comparison, its votes and their tally period are forgotten, all at once: the start of the
 * comparison's day plus the vote retention.
 */
export function voteExpiry(createdAt: number, retention: Retention): number {
  return voteBucket(createdAt, retention) + retention.voteMs;
}
