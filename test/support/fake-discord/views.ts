import { botPermissionsIn } from "./access.js";
import { attachmentUrl, embeddedFilenames } from "./attachments.js";
import { MessageFlag, userOf } from "./serialize.js";
import type { FakeContext } from "./state.js";
import type { FakeAttachment, FakeChannel, FakeInteraction, FakeMessage, FakeUser } from "./public-types.js";
import type {
  AttachmentRecord,
  ChannelRecord,
  InteractionRecord,
  JsonObject,
  MessageRecord,
  UserRecord,
} from "./types.js";

export function toFakeUser(user: UserRecord): FakeUser {
  return { id: user.id, username: user.username, globalName: user.globalName, bot: user.bot };
}

function toFakeAttachments(
  m: MessageRecord,
  list: readonly AttachmentRecord[],
  embeds: JsonObject[],
): FakeAttachment[] {
  const ephemeral = (m.flags & MessageFlag.Ephemeral) !== 0;
  const inEmbeds = embeddedFilenames(embeds);
  return list.map((a) => ({
    id: a.id,
    filename: a.filename,
    title: a.title,
    description: a.description,
    contentType: a.contentType,
    size: a.size,
    data: Buffer.from(a.data),
    width: a.width,
    height: a.height,
    url: attachmentUrl(m.channelId, a, ephemeral),
    inEmbed: inEmbeds.has(a.filename),
  }));
}

export function toFakeMessage(ctx: FakeContext, m: MessageRecord): FakeMessage {
  return {
    id: m.id,
    channelId: m.channelId,
    guildId: m.guildId,
    author: toFakeUser(userOf(ctx, m.authorId)),
    type: m.type,
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    attachments: toFakeAttachments(m, m.attachments, m.embeds),
    flags: m.flags,
    ephemeral: (m.flags & MessageFlag.Ephemeral) !== 0,
    loading: (m.flags & MessageFlag.Loading) !== 0,
    edits: m.history.length,
    editHistory: m.history.map((h) => ({ ...h, attachments: toFakeAttachments(m, h.attachments, h.embeds) })),
    threadId: m.threadId,
    interactionId: m.interactionId,
    webhookId: m.webhookId,
    nonce: m.nonce,
    messageReference: m.messageReference,
    createdAt: m.createdAt,
    editedAt: m.editedAt,
    deleted: m.deleted,
  };
}

export function toFakeChannel(ctx: FakeContext, c: ChannelRecord): FakeChannel {
  const t = c.thread;
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    guildId: c.guildId,
    parentId: c.parentId,
    topic: c.topic,
    botPermissions: botPermissionsIn(ctx, c),
    lastMessageId: c.lastMessageId,
    recipientId: c.recipientIds[0] ?? null,
    deleted: c.deleted,
    archived: t?.archived ?? false,
    locked: t?.locked ?? false,
    ownerId: t?.ownerId ?? null,
    autoArchiveDuration: t?.autoArchiveDuration ?? null,
    messageCount: t?.messageCount ?? null,
    memberCount: t ? t.memberIds.size : null,
  };
}

export function toFakeInteraction(ctx: FakeContext, ix: InteractionRecord): FakeInteraction {
  const msg = (id: string | null): FakeMessage | undefined => {
    const m = id ? ctx.state.messages.get(id) : undefined;
    return m ? toFakeMessage(ctx, m) : undefined;
  };
  const first = ix.responses[0];
  return {
    id: ix.id,
    token: ix.token,
    type: ix.type,
    commandName: ix.commandName,
    customId: ix.customId,
    channelId: ix.channelId,
    guildId: ix.guildId,
    userId: ix.userId,
    dispatchedAt: ix.dispatchedAt,
    acknowledged: first !== undefined,
    acknowledgedAfterMs: first?.afterMs ?? null,
    deferred: ix.deferred,
    ephemeral: ix.ephemeral,
    responses: [...ix.responses],
    originalMessage: msg(ix.originalMessageId),
    followups: ix.followupIds.map((id) => msg(id)).filter((m): m is FakeMessage => m !== undefined),
    tokenExpired: Date.now() > ix.tokenExpiresAt,
  };
}
