import { ApiError, ErrorCode, errors } from "./api-error.js";
import { applyImplicit, DM_PERMISSIONS, has, Permission } from "./permissions.js";
import { channelJson, ChannelType } from "./serialize.js";
import { isoTime } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { ChannelRecord, GuildRecord } from "./types.js";

/** 404 10003 unless the channel exists. */
export function requireChannel(ctx: FakeContext, id: string): ChannelRecord {
  const channel = ctx.state.liveChannel(id);
  if (!channel) throw errors.unknownChannel();
  return channel;
}

export function guildOf(ctx: FakeContext, channel: ChannelRecord): GuildRecord | undefined {
  return channel.guildId ? ctx.state.guilds.get(channel.guildId) : undefined;
}

/** Role-based permissions of a member (@everyone + their roles), before channel overwrites. */
export function guildPermissions(guild: GuildRecord, roleIds: readonly string[]): bigint {
  let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
  for (const id of roleIds) perms |= guild.roles.get(id)?.permissions ?? 0n;
  return perms;
}

/**
 * The bot's permissions in a channel as Discord computes them from roles and overwrites (and as
 * discord.js's permissionsFor does); threads use their parent. No implicit rules applied.
 */
export function botPermissionsIn(ctx: FakeContext, channel: ChannelRecord): bigint {
  if (channel.type === ChannelType.DM) return DM_PERMISSIONS;
  const base = channel.thread && channel.parentId ? (ctx.state.channels.get(channel.parentId) ?? channel) : channel;
  if (base.botPermissions !== null) return base.botPermissions;
  const guild = guildOf(ctx, channel);
  if (!guild) return 0n;
  const member = guild.members.get(ctx.app.botUserId);
  return guildPermissions(guild, member?.roles ?? []);
}

/** Permissions the fake enforces: {@link botPermissionsIn} plus Discord's implicit rules. */
export function effectivePermissions(ctx: FakeContext, channel: ChannelRecord): bigint {
  if (channel.type === ChannelType.DM) return DM_PERMISSIONS;
  return applyImplicit(botPermissionsIn(ctx, channel), channel.thread !== null);
}

/** 403 50001 when the bot cannot see the channel (or a private thread it is not in). */
export function assertCanView(ctx: FakeContext, channel: ChannelRecord): bigint {
  const perms = effectivePermissions(ctx, channel);
  if (channel.type === ChannelType.DM) return perms;
  if (!has(perms, Permission.ViewChannel)) throw errors.missingAccess();
  if (
    channel.type === ChannelType.PrivateThread &&
    !channel.thread?.memberIds.has(ctx.app.botUserId) &&
    !has(perms, Permission.ManageThreads)
  ) {
    throw errors.missingAccess();
  }
  return perms;
}

export function unarchive(ctx: FakeContext, thread: ChannelRecord): void {
  if (!thread.thread || !thread.thread.archived) return;
  thread.thread.archived = false;
  thread.thread.archiveTimestamp = isoTime(Date.now());
  ctx.gateway.dispatch("THREAD_UPDATE", channelJson(ctx, thread), { guildId: thread.guildId, intent: 1 });
  ctx.state.changed();
}

export type ThreadWriteMode = "send" | "edit" | "interaction-send" | "interaction-edit";

/**
 * Archived/locked thread rules. Sends to an archived, unlocked thread unarchive it (Discord's
 * documented behaviour) unless options.archivedThreadSend is "reject"; everything else that
 * touches an archived thread fails with 400 50083; a locked thread needs MANAGE_THREADS to send.
 */
export function assertThreadWritable(ctx: FakeContext, channel: ChannelRecord, mode: ThreadWriteMode): void {
  const t = channel.thread;
  if (!t) return;
  const canManage = has(effectivePermissions(ctx, channel), Permission.ManageThreads);
  if (mode === "edit" || mode === "interaction-edit") {
    if (t.archived) throw errors.archivedThread();
    return;
  }
  if (t.locked && !canManage) {
    if (t.archived || mode === "interaction-send") throw errors.archivedThread();
    throw errors.threadLocked();
  }
  if (t.archived) {
    if (ctx.options.archivedThreadSend === "reject") throw errors.archivedThread();
    unarchive(ctx, channel);
  }
}

export interface PostCheck {
  hasFiles: boolean;
  replying: boolean;
}

/** Checks a bot message create in a channel (not an interaction response); returns the permissions. */
export function assertCanPost(ctx: FakeContext, channel: ChannelRecord, check: PostCheck): bigint {
  // Forum/media channels only hold posts (threads); Discord answers 400 50008 like for categories.
  const nonText: readonly number[] = [ChannelType.GuildForum, ChannelType.GuildMedia, ChannelType.GuildCategory];
  if (nonText.includes(channel.type)) throw errors.nonTextChannel();
  const perms = assertCanView(ctx, channel);
  if (channel.dmClosed) throw errors.cannotMessageUser();
  if (channel.type !== ChannelType.DM) {
    const sendBit = channel.thread ? Permission.SendMessagesInThreads : Permission.SendMessages;
    if (!has(perms, sendBit)) throw errors.missingPermissions();
    if (check.hasFiles && !has(perms, Permission.AttachFiles)) throw errors.missingPermissions();
    if (check.replying && !has(perms, Permission.ReadMessageHistory)) throw errors.replyNeedsHistory();
  }
  assertThreadWritable(ctx, channel, "send");
  assertSlowmode(ctx, channel, perms);
  return perms;
}

/**
 * Slowmode (a channel's or thread's rate_limit_per_user) applies to bots too, unless they may Manage Messages
 * or Manage Channel(s): a second send within it is a 429 with code 20016.
 */
function assertSlowmode(ctx: FakeContext, channel: ChannelRecord, perms: bigint): void {
  if (channel.rateLimitPerUser <= 0 || channel.type === ChannelType.DM) return;
  if (has(perms, Permission.ManageMessages) || has(perms, Permission.ManageChannels)) return;
  const now = Date.now();
  const last = ctx.state.slowmodeSends.get(channel.id);
  const wait = last === undefined ? 0 : last + channel.rateLimitPerUser * 1000 - now;
  if (wait > 0) throw errors.slowmode(Number((wait / 1000).toFixed(3)));
  ctx.state.slowmodeSends.set(channel.id, now);
}

export function requireManage(perms: bigint, bit: bigint): void {
  if (!has(perms, bit)) throw new ApiError(403, ErrorCode.MissingPermissions, "Missing Permissions");
}
