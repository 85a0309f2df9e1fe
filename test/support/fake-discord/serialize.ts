import { attachmentJson, embeddedFilenames, resolveEmbedAttachments } from "./attachments.js";
import { ALL_PERMISSIONS } from "./permissions.js";
import { isoTime } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type {
  ChannelRecord,
  GuildRecord,
  InteractionRecord,
  JsonObject,
  MemberRecord,
  MessageRecord,
  RoleRecord,
  UserRecord,
} from "./types.js";

/** Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types). */
export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GuildCategory: 4,
  GuildAnnouncement: 5,
  AnnouncementThread: 10,
  PublicThread: 11,
  PrivateThread: 12,
  GuildStageVoice: 13,
  GuildForum: 15,
  GuildMedia: 16,
} as const;

export const THREAD_TYPES: readonly number[] = [10, 11, 12];

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  HasThread: 1 << 5,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsVoiceMessage: 1 << 13,
  IsComponentsV2: 1 << 15,
} as const;

export function userJson(user: UserRecord): JsonObject {
  return {
    id: user.id,
    username: user.username,
    discriminator: "0",
    global_name: user.globalName,
    avatar: null,
    avatar_decoration_data: null,
    banner: null,
    accent_color: null,
    public_flags: 0,
    flags: 0,
    bot: user.bot,
    ...(user.bot ? {} : { collectibles: null, primary_guild: null }),
  };
}

export function userOf(ctx: FakeContext, id: string): UserRecord {
  return ctx.state.users.get(id) ?? { id, username: `user-${id.slice(-4)}`, globalName: null, bot: false };
}

export function roleJson(role: RoleRecord): JsonObject {
  return {
    id: role.id,
    name: role.name,
    description: null,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: false,
    flags: 0,
    ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
  };
}

/** Guild member object; `withUser` false gives the partial member of MESSAGE_CREATE. */
export function memberJson(ctx: FakeContext, member: MemberRecord, withUser = true): JsonObject {
  const base: JsonObject = {
    roles: member.roles,
    nick: member.nick,
    avatar: null,
    banner: null,
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
  };
  return withUser ? { user: userJson(userOf(ctx, member.userId)), ...base } : base;
}

function overwritesJson(ctx: FakeContext, channel: ChannelRecord): JsonObject[] {
  if (channel.botPermissions === null) return [];
  return [
    {
      id: ctx.app.botUserId,
      type: 1,
      allow: channel.botPermissions.toString(),
      deny: (ALL_PERMISSIONS & ~channel.botPermissions).toString(),
    },
  ];
}

/** Channel object as REST and GUILD_CREATE return it. */
export function channelJson(ctx: FakeContext, channel: ChannelRecord): JsonObject {
  if (channel.type === ChannelType.DM) {
    return {
      id: channel.id,
      type: 1,
      last_message_id: channel.lastMessageId,
      flags: 0,
      recipients: channel.recipientIds.map((id) => userJson(userOf(ctx, id))),
    };
  }
  const json: JsonObject = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    parent_id: channel.parentId,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: channel.rateLimitPerUser,
    flags: 0,
  };
  const t = channel.thread;
  if (t) {
    Object.assign(json, {
      owner_id: t.ownerId,
      message_count: t.messageCount,
      member_count: Math.min(t.memberIds.size, 50),
      total_message_sent: t.totalMessageSent,
      thread_metadata: {
        archived: t.archived,
        auto_archive_duration: t.autoArchiveDuration,
        archive_timestamp: t.archiveTimestamp,
        locked: t.locked,
        create_timestamp: t.createTimestamp,
        ...(channel.type === ChannelType.PrivateThread ? { invitable: t.invitable } : {}),
      },
    });
    return json;
  }
  Object.assign(json, {
    position: channel.position,
    permission_overwrites: overwritesJson(ctx, channel),
    nsfw: channel.nsfw,
  });
  if (channel.type === ChannelType.GuildVoice || channel.type === ChannelType.GuildStageVoice) {
    Object.assign(json, { bitrate: 64000, user_limit: 0, rtc_region: null, video_quality_mode: 1 });
  } else {
    Object.assign(json, { topic: channel.topic, default_auto_archive_duration: 1440 });
  }
  if (channel.type === ChannelType.GuildForum || channel.type === ChannelType.GuildMedia) {
    Object.assign(json, {
      available_tags: [],
      default_reaction_emoji: null,
      default_sort_order: null,
      default_forum_layout: 0,
      default_thread_rate_limit_per_user: 0,
    });
  }
  return json;
}

export function threadMemberJson(threadId: string, userId: string, joinedAt: string): JsonObject {
  return { id: threadId, user_id: userId, join_timestamp: joinedAt, flags: 1 };
}

function embedJson(embed: JsonObject): JsonObject {
  return { type: "rich", ...embed, content_scan_version: 0 };
}

/** Message object as REST returns it. Gateway events add guild_id and member. */
export function messageJson(ctx: FakeContext, m: MessageRecord): JsonObject {
  const author = userOf(ctx, m.authorId);
  const ephemeral = (m.flags & MessageFlag.Ephemeral) !== 0;
  // Discord shows attachments an embed uses (attachment://name) inside the embed only.
  const inEmbeds = embeddedFilenames(m.embeds);
  const json: JsonObject = {
    type: m.type,
    content: m.content,
    mentions: m.mentionUserIds.map((id) => userJson(userOf(ctx, id))),
    mention_roles: m.mentionRoleIds,
    attachments: m.attachments
      .filter((a) => !inEmbeds.has(a.filename))
      .map((a) => attachmentJson(m.channelId, a, ephemeral)),
    embeds: m.embeds.map((e) => embedJson(resolveEmbedAttachments(e, m.attachments, m.channelId, ephemeral))),
    timestamp: isoTime(m.createdAt),
    edited_timestamp: m.editedAt === null ? null : isoTime(m.editedAt),
    flags: m.flags,
    components: m.components,
    id: m.id,
    channel_id: m.channelId,
    author: userJson(author),
    pinned: false,
    mention_everyone: m.mentionEveryone,
    tts: m.tts,
  };
  if (m.nonce !== null) json["nonce"] = m.nonce;
  if (m.webhookId) json["webhook_id"] = m.webhookId;
  if (m.applicationId) json["application_id"] = m.applicationId;
  if (m.messageReference) json["message_reference"] = m.messageReference;
  if (m.position !== null) json["position"] = m.position;
  if (m.threadId) {
    const thread = ctx.state.channels.get(m.threadId);
    if (thread && !thread.deleted) json["thread"] = channelJson(ctx, thread);
  }
  if (m.interactionId) {
    const ix = ctx.state.interactions.get(m.interactionId);
    if (ix) Object.assign(json, interactionMetadata(ctx, ix));
  }
  return json;
}

function interactionMetadata(ctx: FakeContext, ix: InteractionRecord): JsonObject {
  const user = userJson(userOf(ctx, ix.userId));
  const owners = (ix.payload["authorizing_integration_owners"] ?? {}) as JsonObject;
  const meta: JsonObject = { id: ix.id, type: ix.type, user, authorizing_integration_owners: owners };
  if (ix.commandName !== null) meta["name"] = ix.commandName;
  if (ix.type === 2) meta["command_type"] = 1;
  if (ix.sourceMessageId) meta["interacted_message_id"] = ix.sourceMessageId;
  const legacy: JsonObject = { id: ix.id, type: ix.type, name: ix.commandName ?? "", user };
  return { interaction_metadata: meta, interaction: legacy };
}

export function guildMembersJson(ctx: FakeContext, guild: GuildRecord): JsonObject[] {
  const bot = guild.members.get(ctx.app.botUserId);
  return bot ? [memberJson(ctx, bot)] : [];
}

/** Full GUILD_CREATE payload (what discord.js needs to cache the guild, its channels and roles). */
export function guildCreateJson(ctx: FakeContext, guild: GuildRecord): JsonObject {
  const channels: JsonObject[] = [];
  const threads: JsonObject[] = [];
  for (const c of ctx.state.channels.values()) {
    if (c.guildId !== guild.id || c.deleted) continue;
    if (c.thread) {
      if (!c.thread.archived) threads.push(channelJson(ctx, c));
    } else {
      channels.push(channelJson(ctx, c));
    }
  }
  return {
    ...guildJson(guild),
    joined_at: guild.joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: guildMembersJson(ctx, guild),
    channels,
    threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    lazy: true,
  };
}

/** Guild object as GET /guilds/{id} returns it. */
export function guildJson(guild: GuildRecord): JsonObject {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map(roleJson),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    max_presences: null,
    max_members: 500000,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: "en-US",
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    incidents_data: null,
  };
}

export function applicationJson(ctx: FakeContext): JsonObject {
  const bot = userJson(userOf(ctx, ctx.app.botUserId));
  return {
    id: ctx.app.id,
    name: bot["username"] as string,
    icon: null,
    description: "",
    summary: "",
    type: null,
    hook: true,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: "0".repeat(64),
    flags: 1 << 23,
    owner: { id: "100000000000000001", username: "owner", discriminator: "0", global_name: null, avatar: null },
    team: null,
    bot,
    approximate_guild_count: [...ctx.state.guilds.values()].filter((g) => !g.deleted).length,
    integration_types_config: { "0": {}, "1": {} },
    tags: [],
  };
}
