/** Where a guild's data is filed: its id, or "dm" for direct messages. */
export const scopeOf = (guildId: string | null) => guildId ?? "dm";

/** The Redis keys of the stores, all under the queue prefix (hash-tagged on Redis Cluster, so one slot). */
export const keys = {
  result: (prefix: string, id: string) => `${prefix}:result:${id}`,
  votes: (prefix: string, id: string) => `${prefix}:votes:${id}`,
  /** Every result of a guild: id → when it expires (ms). */
  guildResults: (prefix: string, guildId: string | null) => `${prefix}:results:${scopeOf(guildId)}`,
  /** The comparisons members may vote on, of a guild: id → when it expires. */
  guildVotable: (prefix: string, guildId: string | null) => `${prefix}:votable:${scopeOf(guildId)}`,
  /** The comparisons members may vote on, everywhere. */
  allVotable: (prefix: string) => `${prefix}:votable`,
  /** A member's results (what they asked for), votes and conversations: id → when it expires. */
  userResults: (prefix: string, userId: string) => `${prefix}:user:${userId}:results`,
  userVotes: (prefix: string, userId: string) => `${prefix}:user:${userId}:votes`,
  userConversations: (prefix: string, userId: string) => `${prefix}:user:${userId}:conversations`,
  /** A channel's (thread's) conversation: a list of turns, and who started it. */
  conversation: (prefix: string, channelId: string) => `${prefix}:conversation:${channelId}`,
  conversationStarter: (prefix: string, channelId: string) => `${prefix}:conversation:${channelId}:starter`,
  /** Set once a job's exchange is in its conversation, so it is never added twice. */
  turnAdded: (prefix: string, jobId: string) => `${prefix}:turn-added:${jobId}`,
  /** A guild's conversations: channel id → when it expires. */
  guildConversations: (prefix: string, guildId: string | null) => `${prefix}:conversations:${scopeOf(guildId)}`,
  /** A guild's vote tally for one period (hash: cell → comparisons), the live periods, and a change counter. */
  tally: (prefix: string, guildId: string | null, bucket: number | string) =>
    `${prefix}:tally:${scopeOf(guildId)}:${bucket}`,
  tallyBuckets: (prefix: string, guildId: string | null) => `${prefix}:tally:${scopeOf(guildId)}:buckets`,
  tallyVersion: (prefix: string, guildId: string | null) => `${prefix}:tally:${scopeOf(guildId)}:version`,
};
