import type { Redis } from "ioredis";
import { decodeVote, tallyLayout, type StoredVote } from "../preferences/tally.js";
import type { VoteChoice } from "../preferences/types.js";
import { keys } from "./keys.js";
import { comparisonOf, type ResultRecord } from "./results.js";
import { DEFAULT_RETENTION, longestRetention, voteBucket, voteExpiry, type Retention } from "./retention.js";

/** The hash of one comparison's votes: member id → choice (`A`, or `A:seen` when changed after the reveal). */
export const votesKey = keys.votes;

/*
 * One atomic step for casting, changing or removing a member's vote: the votes hash and the guild's tally change
 * together, so a changed vote moves the comparison from one tally cell to another instead of adding to it. The tally
 * counts comparisons per pattern of votes (see TallyCell): the script recounts the comparison's votes per condition
 * before and after, and moves the comparison between the two cells. A vote keeps the comparison, its votes and its
 * tally period until the same moment (ARGV[4]), and moves the comparison's index entries to that moment.
 *
 * KEYS: 1 votes, 2 result, 3 tally period, 4 tally periods, 5 tally version, 6 voter's votes index,
 *       7 guild results index, 8 guild votable index, 9 all votable index, 10 requester's results index
 * ARGV: 1 voter, 2 choice ('' removes; '=' counts the votes as they stand, for data stored before the tally), 3 blind comparison '1'/'0', 4 expires at (ms), 5 period start,
 *       6 comparison id, 7 now (ms), 8 side A is tally player x '1'/'0', 9 blind cell prefix, 10 labelled cell prefix,
 *       11 indexes live until (ms)
 * Returns { previous vote or '', new vote or '' }.
 */
const SET_VOTE = `
local voter, choice, blind, expireAt, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[7])
local prefixes = { blind = ARGV[9], labelled = ARGV[10] }
local previous = redis.call('HGET', KEYS[1], voter)
local function choiceOf(v) local i = string.find(v, ':', 1, true); if i then return string.sub(v, 1, i - 1) end return v end
local function conditionOf(v)
  if blind == '1' and not string.find(v, ':', 1, true) then return 'blind' end
  return 'labelled'
end
local nextVote = false
local adopt = choice == '='
if adopt then
  previous = false
elseif choice == '' then
  if not previous then return {'', ''} end
else
  if previous and choiceOf(previous) == choice then return {previous, previous} end
  if previous and blind == '1' then nextVote = choice .. ':seen' else nextVote = choice end
end
local function patterns(values)
  local p = { blind = {0, 0, 0, 0}, labelled = {0, 0, 0, 0} }
  for _, v in ipairs(values) do
    local c, slot = choiceOf(v), 4
    if c == 'A' then slot = (ARGV[8] == '1') and 1 or 2
    elseif c == 'B' then slot = (ARGV[8] == '1') and 2 or 1
    elseif c == 'tie' then slot = 3 end
    local t = p[conditionOf(v)]
    t[slot] = t[slot] + 1
  end
  return p
end
local all = redis.call('HGETALL', KEYS[1])
local before, after = {}, {}
for i = 1, #all, 2 do
  if not adopt then table.insert(before, all[i + 1]) end
  if all[i] ~= voter then table.insert(after, all[i + 1]) end
end
if nextVote then table.insert(after, nextVote) end
local pb, pa = patterns(before), patterns(after)
for _, condition in ipairs({'blind', 'labelled'}) do
  local b, a = pb[condition], pa[condition]
  if b[1] ~= a[1] or b[2] ~= a[2] or b[3] ~= a[3] or b[4] ~= a[4] then
    if b[1] + b[2] + b[3] + b[4] > 0 then
      local field = prefixes[condition] .. table.concat(b, ',') .. ']'
      if redis.call('HINCRBY', KEYS[3], field, -1) <= 0 then redis.call('HDEL', KEYS[3], field) end
    end
    if a[1] + a[2] + a[3] + a[4] > 0 then
      redis.call('HINCRBY', KEYS[3], prefixes[condition] .. table.concat(a, ',') .. ']', 1)
    end
  end
end
local indexUntil = math.max(tonumber(ARGV[11]), expireAt)
if nextVote then
  redis.call('HSET', KEYS[1], voter, nextVote)
  redis.call('ZADD', KEYS[6], expireAt, ARGV[6])
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
elseif not adopt then
  redis.call('HDEL', KEYS[1], voter)
  redis.call('ZREM', KEYS[6], ARGV[6])
end
if nextVote or adopt then
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[3]}) do redis.call('PEXPIREAT', key, expireAt) end
  redis.call('ZADD', KEYS[4], expireAt, ARGV[5])
  for i = 7, 10 do redis.call('ZADD', KEYS[i], 'XX', expireAt, ARGV[6]) end
  for _, i in ipairs({4, 6, 7, 8, 9, 10}) do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIREAT', KEYS[i], indexUntil) end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
redis.call('INCR', KEYS[5])
return {previous or '', nextVote or ''}
`;

/** A vote as cast: what the member had before (null: nothing) and has now (null: removed). */
export interface VoteChange {
  previous: StoredVote | null;
  current: StoredVote | null;
}

async function setVote(
  redis: Redis,
  prefix: string,
  record: ResultRecord,
  userId: string,
  choice: VoteChoice | "" | "=",
  retention: Retention,
  now: number,
): Promise<VoteChange> {
  const comparison = comparisonOf(record);
  if (comparison === null) throw new Error(`comparison ${record.id} has a side missing`);
  const { prefixes, aIsX } = tallyLayout(comparison);
  const bucket = voteBucket(record.createdAt, retention);
  const [previous, current] = (await redis.eval(
    SET_VOTE,
    10,
    keys.votes(prefix, record.id),
    keys.result(prefix, record.id),
    keys.tally(prefix, record.guildId, bucket),
    keys.tallyBuckets(prefix, record.guildId),
    keys.tallyVersion(prefix, record.guildId),
    keys.userVotes(prefix, userId),
    keys.guildResults(prefix, record.guildId),
    keys.guildVotable(prefix, record.guildId),
    keys.allVotable(prefix),
    keys.userResults(prefix, record.requestedBy),
    userId,
    choice,
    record.blind ? "1" : "0",
    voteExpiry(record.createdAt, retention),
    bucket,
    record.id,
    now,
    aIsX ? "1" : "0",
    prefixes.blind,
    prefixes.labelled,
    now + longestRetention(retention),
  )) as [string, string];
  return {
    previous: previous === "" ? null : decodeVote(previous),
    current: current === "" ? null : decodeVote(current),
  };
}

/**
 * Records a member's vote on a comparison, replacing an earlier one, and moves the guild's tally with it in the same
 * atomic step. On a blind comparison a changed vote counts as labelled (the member has seen which model was which).
 * The vote, the comparison and their tally period are kept until `retention.voteMs` after the comparison's day.
 * The caller checks first that the comparison takes votes ({@link voteRefusal}).
 */
export function castVote(
  redis: Redis,
  prefix: string,
  record: ResultRecord,
  userId: string,
  choice: VoteChoice,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<VoteChange> {
  return setVote(redis, prefix, record, userId, choice, retention, now);
}

/** Removes a member's vote and its share of the tally; resolves to whether there was one. */
export async function removeVote(
  redis: Redis,
  prefix: string,
  record: ResultRecord,
  userId: string,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<boolean> {
  return (await setVote(redis, prefix, record, userId, "", retention, now)).previous !== null;
}

/**
 * Counts a comparison's votes as they stand into the tally (for votes stored before the tally existed), and keeps
 * the comparison, its votes and their tally period until the vote retention ends. Count each comparison once.
 */
export async function countStoredVotes(
  redis: Redis,
  prefix: string,
  record: ResultRecord,
  retention: Retention = DEFAULT_RETENTION,
  now = Date.now(),
): Promise<void> {
  await setVote(redis, prefix, record, "", "=", retention, now);
}

/** A member's vote on a comparison, if any. */
export async function voteOf(redis: Redis, prefix: string, id: string, userId: string): Promise<StoredVote | null> {
  const value = await redis.hget(keys.votes(prefix, id), userId);
  return value === null ? null : decodeVote(value);
}
