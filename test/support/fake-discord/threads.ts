import { ApiError, errors, FormErrors } from "./api-error.js";
import { charLength, num, str } from "./json-guards.js";
import { dispatchMessage, GatewayIntent } from "./messages.js";
import { channelJson, ChannelType, MessageFlag } from "./serialize.js";
import { isoTime, nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { ChannelRecord, JsonObject, MessageRecord } from "./types.js";

export const AUTO_ARCHIVE_DURATIONS: readonly number[] = [60, 1440, 4320, 10080];

export interface ThreadSpec {
  id?: string | undefined;
  name: string;
  type: number;
  ownerId: string;
  autoArchiveDuration?: number | undefined;
  invitable?: boolean | undefined;
  rateLimitPerUser?: number | undefined;
}

/** Validates name (1-100), auto_archive_duration and rate_limit_per_user of a thread body. */
export function validateThreadBody(
  body: unknown,
  form = new FormErrors(),
): { name: string; autoArchiveDuration: number | undefined; rateLimitPerUser: number | undefined } {
  const b = (typeof body === "object" && body !== null ? body : {}) as JsonObject;
  const name = str(b["name"]);
  if (b["name"] === undefined || b["name"] === null) form.required(["name"]);
  else if (name === undefined || charLength(name) < 1 || charLength(name) > 100) form.badLength(["name"], 1, 100);
  const dur = b["auto_archive_duration"];
  if (dur !== undefined && dur !== null && !AUTO_ARCHIVE_DURATIONS.includes(num(dur) ?? -1)) {
    form.add(["auto_archive_duration"], "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.");
  }
  const slow = b["rate_limit_per_user"];
  if (slow !== undefined && slow !== null && ((num(slow) ?? -1) < 0 || (num(slow) ?? 0) > 21600)) {
    form.add(["rate_limit_per_user"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 21600.");
  }
  form.throwIfAny();
  return { name: name ?? "", autoArchiveDuration: num(dur) ?? undefined, rateLimitPerUser: num(slow) ?? undefined };
}

/** Stores a new thread under `parent` (the creator joins it) and dispatches THREAD_CREATE. */
export function createThreadRecord(ctx: FakeContext, parent: ChannelRecord, spec: ThreadSpec): ChannelRecord {
  if (parent.guildId !== null) {
    let active = 0;
    for (const c of ctx.state.channels.values()) {
      if (c.guildId === parent.guildId && c.thread && !c.thread.archived && !c.deleted) active += 1;
    }
    if (active >= ctx.options.maxActiveThreads) throw errors.tooManyThreads();
  }
  const now = isoTime(Date.now());
  const thread: ChannelRecord = {
    id: spec.id ?? nextSnowflake(),
    type: spec.type,
    name: spec.name,
    guildId: parent.guildId,
    parentId: parent.id,
    position: 0,
    topic: null,
    nsfw: parent.nsfw,
    rateLimitPerUser: spec.rateLimitPerUser ?? 0,
    lastMessageId: null,
    botPermissions: null,
    recipientIds: [],
    thread: {
      ownerId: spec.ownerId,
      archived: false,
      locked: false,
      invitable: spec.invitable ?? true,
      autoArchiveDuration: spec.autoArchiveDuration ?? 1440,
      archiveTimestamp: now,
      createTimestamp: now,
      memberIds: new Set([spec.ownerId]),
      messageCount: 0,
      totalMessageSent: 0,
    },
    deleted: false,
  };
  ctx.state.channels.set(thread.id, thread);
  ctx.gateway.dispatch(
    "THREAD_CREATE",
    { ...channelJson(ctx, thread), newly_created: true },
    { guildId: thread.guildId, intent: GatewayIntent.Guilds },
  );
  ctx.state.changed();
  return thread;
}

/** Marks the message as a thread starter (HAS_THREAD flag) and dispatches MESSAGE_UPDATE. */
export function linkStarterMessage(ctx: FakeContext, message: MessageRecord, thread: ChannelRecord): void {
  message.threadId = thread.id;
  message.flags |= MessageFlag.HasThread;
  dispatchMessage(ctx, "MESSAGE_UPDATE", message);
  ctx.state.changed();
}

/** Discord's channel-type rules for "start thread from message". */
export function threadTypeForMessageThread(parent: ChannelRecord): number {
  if (parent.type === ChannelType.GuildText) return ChannelType.PublicThread;
  if (parent.type === ChannelType.GuildAnnouncement) return ChannelType.AnnouncementThread;
  throw errors.wrongChannelType();
}

export function dispatchThreadUpdate(ctx: FakeContext, thread: ChannelRecord): void {
  ctx.gateway.dispatch("THREAD_UPDATE", channelJson(ctx, thread), {
    guildId: thread.guildId,
    intent: GatewayIntent.Guilds,
  });
  ctx.state.changed();
}

/** Sets archived/locked state (fault helpers and PATCH /channels/{thread}). */
export function setThreadState(
  ctx: FakeContext,
  thread: ChannelRecord,
  patch: { archived?: boolean | undefined; locked?: boolean | undefined },
): void {
  const t = thread.thread;
  if (!t) throw new ApiError(400, 50024, "Cannot execute action on this channel type");
  if (patch.locked !== undefined) t.locked = patch.locked;
  if (patch.archived !== undefined && patch.archived !== t.archived) {
    t.archived = patch.archived;
    t.archiveTimestamp = isoTime(Date.now());
  }
  dispatchThreadUpdate(ctx, thread);
}

/** Deletes a channel (and its threads), dispatching CHANNEL_DELETE / THREAD_DELETE. */
export function deleteChannelRecord(ctx: FakeContext, channel: ChannelRecord): void {
  if (channel.deleted) return;
  channel.deleted = true;
  if (channel.thread) {
    ctx.gateway.dispatch(
      "THREAD_DELETE",
      { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type },
      { guildId: channel.guildId, intent: GatewayIntent.Guilds },
    );
  } else if (channel.guildId) {
    ctx.gateway.dispatch("CHANNEL_DELETE", channelJson(ctx, channel), {
      guildId: channel.guildId,
      intent: GatewayIntent.Guilds,
    });
    for (const c of ctx.state.channels.values()) if (c.parentId === channel.id && c.thread) c.deleted = true;
  }
  ctx.state.changed();
}
