import { errors, FormErrors } from "./api-error.js";
import { resolveAttachments } from "./attachments.js";
import { isObject, str } from "./json-guards.js";
import { findPingingMentions } from "./mentions.js";
import { ChannelType, memberJson, MessageFlag, messageJson } from "./serialize.js";
import { nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { ChannelRecord, JsonObject, MessageRecord, UnsafeMention, UploadedFile } from "./types.js";
import { isEmptyMessage, type MessageInput } from "./validate-message.js";

export const GatewayIntent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
} as const;

export interface RequestSource {
  source: UnsafeMention["source"];
  method: string;
  path: string;
}

export interface CreateMessageOptions extends RequestSource {
  channel: ChannelRecord;
  authorId: string;
  input: MessageInput;
  files: readonly UploadedFile[];
  webhookId?: string | null;
  interactionId?: string | null;
  type?: number;
  extraFlags?: number;
  /** Bot lacks EMBED_LINKS: Discord drops rich embeds. */
  stripEmbeds?: boolean;
  /** Deferred responses start empty (LOADING). */
  allowEmpty?: boolean;
  id?: string;
}

function messageEvent(ctx: FakeContext, m: MessageRecord): JsonObject {
  const json = messageJson(ctx, m);
  if (m.guildId) {
    json["guild_id"] = m.guildId;
    const member = ctx.state.guilds.get(m.guildId)?.members.get(m.authorId);
    if (member && !m.webhookId) json["member"] = memberJson(ctx, member, false);
  }
  return json;
}

/** Sends MESSAGE_CREATE/UPDATE to sessions with GuildMessages (guild) or DirectMessages (DM). */
export function dispatchMessage(ctx: FakeContext, event: "MESSAGE_CREATE" | "MESSAGE_UPDATE", m: MessageRecord): void {
  if (m.flags & MessageFlag.Ephemeral) return;
  ctx.gateway.dispatch(event, messageEvent(ctx, m), {
    guildId: m.guildId,
    intent: m.guildId ? GatewayIntent.GuildMessages : GatewayIntent.DirectMessages,
    messageContent: {
      authorId: m.authorId,
      mentionsBot: m.mentionUserIds.includes(ctx.app.botUserId),
      isDm: !m.guildId,
    },
  });
}

function resolveReference(
  ctx: FakeContext,
  channel: ChannelRecord,
  ref: JsonObject,
): { ref: JsonObject | null; authorId: string | null } {
  const channelId = str(ref["channel_id"]) ?? channel.id;
  const messageId = str(ref["message_id"]) ?? "";
  const target = ctx.state.messages.get(messageId);
  if (!target || target.deleted || target.channelId !== channelId) {
    if (ref["fail_if_not_exists"] === false) return { ref: null, authorId: null };
    const form = new FormErrors();
    form.add(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
    form.throwIfAny();
  }
  const out: JsonObject = { type: 0, channel_id: channelId, message_id: messageId };
  if (channel.guildId) out["guild_id"] = channel.guildId;
  return { ref: out, authorId: target?.authorId ?? null };
}

/** Records an unsafe-mention entry when the content could ping. */
export function recordMentions(
  ctx: FakeContext,
  src: RequestSource,
  channelId: string,
  messageId: string | null,
  input: Pick<MessageInput, "content" | "embeds" | "allowedMentions">,
  repliedUserId: string | null,
): void {
  const mentions = findPingingMentions({
    content: input.content,
    embeds: input.embeds,
    allowedMentions: input.allowedMentions,
    repliedUserId: repliedUserId === ctx.app.botUserId ? null : repliedUserId,
  });
  if (mentions.length === 0) return;
  ctx.state.unsafeMentions.push({
    source: src.source,
    method: src.method,
    path: src.path,
    channelId,
    messageId,
    mentions,
    allowedMentions: input.allowedMentions ?? null,
    at: Date.now(),
  });
}

function pingedIds(input: Pick<MessageInput, "content" | "allowedMentions">, kind: "user" | "role"): string[] {
  const found = findPingingMentions({
    content: input.content,
    embeds: [],
    allowedMentions: input.allowedMentions,
    repliedUserId: null,
  });
  return [...new Set(found.filter((m) => m.kind === kind && m.id !== null).map((m) => m.id as string))];
}

function everyonePinged(input: Pick<MessageInput, "content" | "allowedMentions">): boolean {
  const found = findPingingMentions({
    content: input.content,
    embeds: [],
    allowedMentions: input.allowedMentions,
    repliedUserId: null,
  });
  return found.some((m) => m.kind === "everyone" || m.kind === "here");
}

/** The message with the same nonce from the same author in the window, if enforce_nonce applies. */
export function findNonceDuplicate(
  ctx: FakeContext,
  channelId: string,
  authorId: string,
  input: MessageInput,
): MessageRecord | undefined {
  if (!input.enforceNonce || input.nonce === undefined) return undefined;
  const since = Date.now() - ctx.options.nonceWindowMs;
  return ctx.state
    .messagesIn(channelId)
    .find((m) => !m.deleted && m.authorId === authorId && m.nonce === input.nonce && m.createdAt >= since);
}

/** Creates and stores a message, updates channel/thread counters, dispatches MESSAGE_CREATE. */
export function createMessage(ctx: FakeContext, o: CreateMessageOptions): MessageRecord {
  const { channel, input } = o;
  const embeds = o.stripEmbeds ? [] : (input.embeds ?? []);
  const components = input.components ?? [];
  const content = input.content ?? "";
  const attachments = resolveAttachments(ctx, o.files, input.attachments, null);
  if (
    !o.allowEmpty &&
    isEmptyMessage({
      content,
      embeds,
      components,
      attachments: attachments.length,
      stickers: input.stickerIds.length,
      poll: input.hasPoll,
    })
  ) {
    throw errors.emptyMessage();
  }
  const reference = input.messageReference
    ? resolveReference(ctx, channel, input.messageReference)
    : { ref: null, authorId: null };
  const now = Date.now();
  const id = o.id ?? nextSnowflake(now);
  const message: MessageRecord = {
    id,
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: o.authorId,
    webhookId: o.webhookId ?? null,
    applicationId: o.webhookId ? ctx.app.id : null,
    type: o.type ?? (reference.ref ? 19 : 0),
    content,
    embeds,
    components,
    attachments,
    flags: (input.flags ?? 0) | (o.extraFlags ?? 0),
    tts: input.tts,
    nonce: input.nonce ?? null,
    createdAt: now,
    editedAt: null,
    history: [],
    threadId: null,
    interactionId: o.interactionId ?? null,
    position: channel.thread ? channel.thread.totalMessageSent : null,
    messageReference: reference.ref,
    mentionUserIds: pingedIds(input, "user"),
    mentionRoleIds: pingedIds(input, "role"),
    mentionEveryone: everyonePinged(input),
    deleted: false,
  };
  ctx.state.addMessage(message);
  recordMentions(ctx, o, channel.id, id, { ...input, embeds }, reference.authorId);
  if (!(message.flags & MessageFlag.Ephemeral)) {
    channel.lastMessageId = id;
    if (channel.thread) {
      channel.thread.messageCount += 1;
      channel.thread.totalMessageSent += 1;
      if (!o.webhookId) channel.thread.memberIds.add(o.authorId); // sending joins a thread
    }
    const parent = channel.parentId ? ctx.state.channels.get(channel.parentId) : undefined;
    if (parent && parent.type === ChannelType.GuildForum) parent.lastMessageId = channel.id;
  }
  dispatchMessage(ctx, "MESSAGE_CREATE", message);
  ctx.state.changed();
  return message;
}

/** Applies an edit (keeping absent fields), records history, dispatches MESSAGE_UPDATE. */
export function editMessage(
  ctx: FakeContext,
  message: MessageRecord,
  input: MessageInput,
  files: readonly UploadedFile[],
  src: RequestSource,
  stripEmbeds = false,
): MessageRecord {
  const content = input.content ?? message.content;
  const embeds = input.embeds === undefined ? message.embeds : stripEmbeds ? [] : input.embeds;
  const components = input.components ?? message.components;
  const attachments = resolveAttachments(ctx, files, input.attachments, message.attachments);
  const now = Date.now();
  if (isEmptyMessage({ content, embeds, components, attachments: attachments.length, stickers: 0, poll: false })) {
    throw errors.emptyMessage();
  }
  message.history.push({
    at: now,
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments,
    flags: message.flags,
  });
  message.content = content;
  message.embeds = embeds;
  message.components = components;
  message.attachments = attachments;
  let flags = message.flags & ~MessageFlag.Loading;
  if (input.flags !== undefined)
    flags = (flags & ~MessageFlag.SuppressEmbeds) | (input.flags & MessageFlag.SuppressEmbeds);
  message.flags = flags;
  message.editedAt = now;
  if (input.content !== undefined || input.allowedMentions !== undefined) {
    const effective = { content, allowedMentions: input.allowedMentions };
    message.mentionUserIds = pingedIds(effective, "user");
    message.mentionRoleIds = pingedIds(effective, "role");
    message.mentionEveryone = everyonePinged(effective);
  }
  recordMentions(
    ctx,
    src,
    message.channelId,
    message.id,
    { content: input.content, embeds: input.embeds, allowedMentions: input.allowedMentions },
    null,
  );
  dispatchMessage(ctx, "MESSAGE_UPDATE", message);
  ctx.state.changed();
  return message;
}

export function deleteMessage(ctx: FakeContext, message: MessageRecord): void {
  if (message.deleted) return;
  message.deleted = true;
  const channel = ctx.state.channels.get(message.channelId);
  if (channel?.thread && !(message.flags & MessageFlag.Ephemeral))
    channel.thread.messageCount = Math.max(0, channel.thread.messageCount - 1);
  if (!(message.flags & MessageFlag.Ephemeral)) {
    const data: JsonObject = { id: message.id, channel_id: message.channelId };
    if (message.guildId) data["guild_id"] = message.guildId;
    ctx.gateway.dispatch("MESSAGE_DELETE", data, {
      guildId: message.guildId,
      intent: message.guildId ? GatewayIntent.GuildMessages : GatewayIntent.DirectMessages,
    });
  }
  ctx.state.changed();
}

/** 404 10008 unless the message exists (and is visible through channel routes when `visibleOnly`). */
export function requireMessage(
  ctx: FakeContext,
  channelId: string,
  messageId: string,
  visibleOnly: boolean,
): MessageRecord {
  const m = ctx.state.messages.get(messageId);
  if (!m || m.deleted || m.channelId !== channelId) throw errors.unknownMessage();
  if (visibleOnly && m.flags & MessageFlag.Ephemeral) throw errors.unknownMessage();
  return m;
}

export function isReplyInput(input: MessageInput): boolean {
  return isObject(input.messageReference ?? null);
}
