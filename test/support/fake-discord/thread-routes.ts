import { assertCanView, effectivePermissions, requireChannel } from "./access.js";
import { errors, FormErrors } from "./api-error.js";
import { resolveAttachments } from "./attachments.js";
import { isObject } from "./json-guards.js";
import { createMessage, GatewayIntent, requireMessage } from "./messages.js";
import { has, Permission } from "./permissions.js";
import type { Router } from "./router.js";
import { channelJson, ChannelType, messageJson, threadMemberJson, THREAD_TYPES } from "./serialize.js";
import type { FakeContext } from "./state.js";
import {
  createThreadRecord,
  deleteChannelRecord,
  dispatchThreadUpdate,
  linkStarterMessage,
  threadTypeForMessageThread,
  validateThreadBody,
} from "./threads.js";
import type { ChannelRecord } from "./types.js";
import { validateMessageBody } from "./validate-message.js";

function needPerm(perms: bigint, bit: bigint): void {
  if (!has(perms, bit)) throw errors.missingPermissions();
}

function isForum(c: ChannelRecord): boolean {
  return c.type === ChannelType.GuildForum || c.type === ChannelType.GuildMedia;
}

/** Thread routes: start from message / without message / forum post, edit, delete, join/leave. */
export function registerThreadRoutes(router: Router, ctx: FakeContext): void {
  const bot = ctx.app.botUserId;

  router.add("POST", "/channels/:channel_id/messages/:message_id/threads", (req) => {
    const parent = requireChannel(ctx, req.params["channel_id"] ?? "");
    const perms = assertCanView(ctx, parent);
    const type = threadTypeForMessageThread(parent);
    const message = requireMessage(ctx, parent.id, req.params["message_id"] ?? "", true);
    const body = validateThreadBody(req.body);
    needPerm(perms, Permission.CreatePublicThreads);
    if (message.threadId) throw errors.threadExists();
    const thread = createThreadRecord(ctx, parent, {
      id: message.id,
      name: body.name,
      type,
      ownerId: bot,
      autoArchiveDuration: body.autoArchiveDuration,
      rateLimitPerUser: body.rateLimitPerUser,
    });
    linkStarterMessage(ctx, message, thread);
    return { status: 201, body: channelJson(ctx, thread) };
  });

  router.add("POST", "/channels/:channel_id/threads", (req) => {
    const parent = requireChannel(ctx, req.params["channel_id"] ?? "");
    const perms = assertCanView(ctx, parent);
    const raw = isObject(req.body) ? req.body : {};
    if (isForum(parent)) {
      const form = new FormErrors();
      if (!isObject(raw["message"])) form.required(["message"]);
      const body = validateThreadBody(raw, form);
      const input = validateMessageBody(raw["message"], req.files, "create");
      needPerm(perms, Permission.SendMessages);
      if (req.files.length > 0) needPerm(perms, Permission.AttachFiles);
      resolveAttachments(ctx, req.files, input.attachments, null); // upload errors before the thread exists
      const thread = createThreadRecord(ctx, parent, {
        name: body.name,
        type: ChannelType.PublicThread,
        ownerId: bot,
        autoArchiveDuration: body.autoArchiveDuration,
        rateLimitPerUser: body.rateLimitPerUser,
      });
      const starter = createMessage(ctx, {
        id: thread.id,
        channel: thread,
        authorId: bot,
        input,
        files: req.files,
        stripEmbeds: !has(perms, Permission.EmbedLinks),
        source: "message.create",
        method: req.method,
        path: req.path,
      });
      return { status: 201, body: { ...channelJson(ctx, thread), message: messageJson(ctx, starter) } };
    }
    let type: number;
    if (parent.type === ChannelType.GuildText) {
      type = typeof raw["type"] === "number" ? raw["type"] : ChannelType.PrivateThread;
      if (type !== ChannelType.PublicThread && type !== ChannelType.PrivateThread) throw errors.wrongChannelType();
    } else if (parent.type === ChannelType.GuildAnnouncement) {
      type = ChannelType.AnnouncementThread;
      if (raw["type"] === ChannelType.PrivateThread) throw errors.wrongChannelType();
    } else throw errors.wrongChannelType();
    const body = validateThreadBody(raw);
    needPerm(
      perms,
      type === ChannelType.PrivateThread ? Permission.CreatePrivateThreads : Permission.CreatePublicThreads,
    );
    const thread = createThreadRecord(ctx, parent, {
      name: body.name,
      type,
      ownerId: bot,
      autoArchiveDuration: body.autoArchiveDuration,
      rateLimitPerUser: body.rateLimitPerUser,
      invitable: raw["invitable"] !== false,
    });
    return { status: 201, body: channelJson(ctx, thread) };
  });

  router.add("PATCH", "/channels/:channel_id", (req) => {
    const channel = requireChannel(ctx, req.params["channel_id"] ?? "");
    const perms = assertCanView(ctx, channel);
    const body = isObject(req.body) ? req.body : {};
    const t = channel.thread;
    if (!t) {
      if (channel.type === ChannelType.DM) throw errors.wrongChannelType();
      needPerm(perms, Permission.ManageChannels);
      if (typeof body["name"] === "string") validateThreadBody({ name: body["name"] });
      if (typeof body["name"] === "string") channel.name = body["name"];
      if (typeof body["topic"] === "string" || body["topic"] === null) channel.topic = body["topic"] ?? null;
      ctx.gateway.dispatch("CHANNEL_UPDATE", channelJson(ctx, channel), {
        guildId: channel.guildId,
        intent: GatewayIntent.Guilds,
      });
      ctx.state.changed();
      return { status: 200, body: channelJson(ctx, channel) };
    }
    const manage = has(effectivePermissions(ctx, channel), Permission.ManageThreads);
    const owner = t.ownerId === bot;
    if (t.archived && body["archived"] !== false) throw errors.archivedThread();
    if (body["name"] !== undefined) {
      validateThreadBody({ name: body["name"] });
      if (!owner && !manage) throw errors.missingPermissions();
    }
    if (typeof body["locked"] === "boolean" && body["locked"] !== t.locked && !manage)
      throw errors.missingPermissions();
    const lockedAfter = typeof body["locked"] === "boolean" ? body["locked"] : t.locked;
    if (body["archived"] === true && !owner && !manage) throw errors.missingPermissions();
    if (body["archived"] === false && t.archived) {
      if (lockedAfter && !manage) throw errors.missingPermissions();
      needPerm(perms, Permission.SendMessagesInThreads);
    }
    if (body["auto_archive_duration"] !== undefined)
      validateThreadBody({ name: "x", auto_archive_duration: body["auto_archive_duration"] });
    if (typeof body["name"] === "string") channel.name = body["name"];
    if (typeof body["auto_archive_duration"] === "number") t.autoArchiveDuration = body["auto_archive_duration"];
    if (typeof body["locked"] === "boolean") t.locked = body["locked"];
    if (typeof body["archived"] === "boolean" && body["archived"] !== t.archived) {
      t.archived = body["archived"];
      t.archiveTimestamp = new Date().toISOString().replace("Z", "+00:00");
    }
    dispatchThreadUpdate(ctx, channel);
    return { status: 200, body: channelJson(ctx, channel) };
  });

  router.add("DELETE", "/channels/:channel_id", (req) => {
    const channel = requireChannel(ctx, req.params["channel_id"] ?? "");
    const perms = assertCanView(ctx, channel);
    if (channel.type !== ChannelType.DM)
      needPerm(perms, channel.thread ? Permission.ManageThreads : Permission.ManageChannels);
    const json = channelJson(ctx, channel);
    deleteChannelRecord(ctx, channel);
    return { status: 200, body: json };
  });

  const membership = (join: boolean) => (req: { params: Record<string, string> }) => {
    const channel = requireChannel(ctx, req.params["channel_id"] ?? "");
    if (!channel.thread) throw errors.wrongChannelType();
    assertCanView(ctx, channel);
    if (channel.thread.archived) throw errors.archivedThread();
    if (join) channel.thread.memberIds.add(bot);
    else channel.thread.memberIds.delete(bot);
    ctx.state.changed();
    return { status: 204 };
  };
  router.add("PUT", "/channels/:channel_id/thread-members/@me", membership(true));
  router.add("DELETE", "/channels/:channel_id/thread-members/@me", membership(false));

  router.add("GET", "/guilds/:guild_id/threads/active", (req) => {
    const guildId = req.params["guild_id"] ?? "";
    if (!ctx.state.guilds.get(guildId) || ctx.state.guilds.get(guildId)?.deleted) throw errors.unknownGuild();
    const threads = [...ctx.state.channels.values()].filter(
      (c) =>
        c.guildId === guildId &&
        !c.deleted &&
        THREAD_TYPES.includes(c.type) &&
        !c.thread?.archived &&
        has(effectivePermissions(ctx, c), Permission.ViewChannel),
    );
    const members = threads
      .filter((c) => c.thread?.memberIds.has(bot))
      .map((c) => threadMemberJson(c.id, bot, c.thread?.createTimestamp ?? ""));
    return { status: 200, body: { threads: threads.map((c) => channelJson(ctx, c)), members } };
  });
}
