import { createMessage, GatewayIntent } from "./messages.js";
import { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS } from "./permissions.js";
import { channelJson, ChannelType, guildCreateJson, roleJson } from "./serialize.js";
import { isoTime, nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import { createThreadRecord, linkStarterMessage, setThreadState } from "./threads.js";
import type { ChannelRecord, GuildRecord, JsonObject, MessageRecord, RoleRecord, UserRecord } from "./types.js";
import { validateMessageBody } from "./validate-message.js";

export interface CreateGuildInput {
  name?: string | undefined;
  /** Permissions of the bot's managed role (default: a typical invite's). */
  botPermissions?: bigint | undefined;
  /** Permissions of @everyone (default: a typical community's). Bot perms = @everyone | bot role. */
  everyonePermissions?: bigint | undefined;
}

export interface CreateChannelInput {
  name?: string | undefined;
  /** 0 text (default), 2 voice, 4 category, 5 announcement, 13 stage, 15 forum, 16 media. */
  type?: number | undefined;
  /** Exact bot permissions in this channel (a member overwrite), instead of the guild's. */
  botPermissions?: bigint | undefined;
  parentId?: string | undefined;
  topic?: string | undefined;
  nsfw?: boolean | undefined;
}

export interface CreateThreadInput {
  name?: string | undefined;
  /** 11 public (default), 12 private; 10 in announcement channels. */
  type?: number | undefined;
  /** Who created it (default: a fake user, i.e. not the bot). */
  ownerId?: string | undefined;
  /** Start it from this message (thread id = message id). */
  messageId?: string | undefined;
  archived?: boolean | undefined;
  locked?: boolean | undefined;
}

const GUILD_CHANNEL_TYPES: readonly number[] = [0, 2, 4, 5, 13, 15, 16];

export function createUserRecord(
  ctx: FakeContext,
  input: {
    username?: string | undefined;
    globalName?: string | undefined;
    bot?: boolean | undefined;
    id?: string | undefined;
  },
): UserRecord {
  const id = input.id ?? nextSnowflake();
  const user: UserRecord = {
    id,
    username: input.username ?? `user${id.slice(-5)}`,
    globalName: input.globalName ?? null,
    bot: input.bot ?? false,
  };
  ctx.state.users.set(id, user);
  ctx.state.changed();
  return user;
}

/** Creates a guild the bot is in and dispatches GUILD_CREATE to connected sessions. */
export function createGuildRecord(ctx: FakeContext, input: CreateGuildInput): GuildRecord {
  const id = nextSnowflake();
  const owner = createUserRecord(ctx, { username: "guild-owner" });
  const botRoleId = nextSnowflake();
  const roles = new Map<string, RoleRecord>([
    [
      id,
      {
        id,
        name: "@everyone",
        permissions: input.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS,
        position: 0,
        managed: false,
        botId: null,
      },
    ],
    [
      botRoleId,
      {
        id: botRoleId,
        name: ctx.options.botUsername,
        permissions: input.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
        position: 1,
        managed: true,
        botId: ctx.app.botUserId,
      },
    ],
  ]);
  const joinedAt = isoTime(Date.now());
  const guild: GuildRecord = {
    id,
    name: input.name ?? "Fake Guild",
    ownerId: owner.id,
    botRoleId,
    roles,
    members: new Map([
      [ctx.app.botUserId, { userId: ctx.app.botUserId, roles: [botRoleId], joinedAt, nick: null }],
      [owner.id, { userId: owner.id, roles: [], joinedAt, nick: null }],
    ]),
    joinedAt,
    deleted: false,
  };
  ctx.state.guilds.set(id, guild);
  ctx.gateway.dispatch("GUILD_CREATE", guildCreateJson(ctx, guild), { guildId: id, intent: GatewayIntent.Guilds });
  ctx.state.changed();
  return guild;
}

/** Creates a guild channel and dispatches CHANNEL_CREATE. */
export function createChannelRecord(ctx: FakeContext, guildId: string, input: CreateChannelInput): ChannelRecord {
  const guild = ctx.state.guilds.get(guildId);
  if (!guild) throw new Error(`fake discord: unknown guild ${guildId}`);
  const type = input.type ?? ChannelType.GuildText;
  if (!GUILD_CHANNEL_TYPES.includes(type))
    throw new Error(`fake discord: createChannel does not create type ${type} (use createThread / createDmChannel)`);
  const position = [...ctx.state.channels.values()].filter((c) => c.guildId === guildId && !c.thread).length;
  const channel: ChannelRecord = {
    id: nextSnowflake(),
    type,
    name: input.name ?? `channel-${position}`,
    guildId,
    parentId: input.parentId ?? null,
    position,
    topic: input.topic ?? null,
    nsfw: input.nsfw ?? false,
    rateLimitPerUser: 0,
    lastMessageId: null,
    botPermissions: input.botPermissions ?? null,
    recipientIds: [],
    thread: null,
    deleted: false,
  };
  ctx.state.channels.set(channel.id, channel);
  ctx.gateway.dispatch("CHANNEL_CREATE", channelJson(ctx, channel), { guildId, intent: GatewayIntent.Guilds });
  ctx.state.changed();
  return channel;
}

/** A thread created by someone else (default owner: a fresh user). Dispatches THREAD_CREATE. */
export function createThreadFixture(ctx: FakeContext, parentId: string, input: CreateThreadInput): ChannelRecord {
  const parent = ctx.state.liveChannel(parentId);
  if (!parent || parent.thread || !parent.guildId)
    throw new Error(`fake discord: ${parentId} is not a guild channel that can hold threads`);
  const ownerId = input.ownerId ?? createUserRecord(ctx, { username: "thread-owner" }).id;
  const message = input.messageId ? ctx.state.messages.get(input.messageId) : undefined;
  const type =
    input.type ??
    (parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread);
  const thread = createThreadRecord(ctx, parent, { id: message?.id, name: input.name ?? "thread", type, ownerId });
  if (message) linkStarterMessage(ctx, message, thread);
  if (input.archived || input.locked) setThreadState(ctx, thread, { archived: input.archived, locked: input.locked });
  return thread;
}

/** A message from a (human) user, e.g. the one a bot should answer. */
export function createUserMessage(
  ctx: FakeContext,
  channelId: string,
  userId: string,
  body: string | JsonObject,
): MessageRecord {
  const channel = ctx.state.liveChannel(channelId);
  if (!channel) throw new Error(`fake discord: unknown channel ${channelId}`);
  const input = validateMessageBody(typeof body === "string" ? { content: body } : body, [], "create");
  if (channel.guildId) {
    const guild = ctx.state.guilds.get(channel.guildId);
    if (guild && !guild.members.has(userId))
      guild.members.set(userId, { userId, roles: [], joinedAt: isoTime(Date.now()), nick: null });
  }
  const before = ctx.state.unsafeMentions.length;
  const message = createMessage(ctx, {
    channel,
    authorId: userId,
    input,
    files: [],
    source: "message.create",
    method: "FIXTURE",
    path: `/channels/${channelId}/messages`,
  });
  ctx.state.unsafeMentions.splice(before);
  return message;
}

export function updateRole(ctx: FakeContext, guild: GuildRecord, roleId: string, permissions: bigint): void {
  const role = guild.roles.get(roleId);
  if (!role) throw new Error(`fake discord: unknown role ${roleId}`);
  role.permissions = permissions;
  ctx.gateway.dispatch(
    "GUILD_ROLE_UPDATE",
    { guild_id: guild.id, role: roleJson(role) },
    { guildId: guild.id, intent: GatewayIntent.Guilds },
  );
  ctx.state.changed();
}
