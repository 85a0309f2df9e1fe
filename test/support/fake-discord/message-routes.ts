import { assertCanPost, assertCanView, assertThreadWritable, requireChannel } from "./access.js";
import { ApiError, errors, FormErrors } from "./api-error.js";
import { createMessage, deleteMessage, editMessage, findNonceDuplicate, requireMessage } from "./messages.js";
import { has, Permission } from "./permissions.js";
import type { Router } from "./router.js";
import { ChannelType, channelJson, MessageFlag, messageJson } from "./serialize.js";
import type { FakeContext } from "./state.js";
import { validateMessageBody } from "./validate-message.js";

function param(params: Record<string, string>, name: string): string {
  return params[name] ?? "";
}

/** Channel and message routes: GET channel, list/get/create/edit/delete messages, typing, reactions. */
export function registerMessageRoutes(router: Router, ctx: FakeContext): void {
  const bot = ctx.app.botUserId;

  router.add("GET", "/channels/:channel_id", ({ params }) => {
    const channel = requireChannel(ctx, param(params, "channel_id"));
    assertCanView(ctx, channel);
    return { status: 200, body: channelJson(ctx, channel) };
  });

  router.add("GET", "/channels/:channel_id/messages", ({ params, query }) => {
    const channel = requireChannel(ctx, param(params, "channel_id"));
    const perms = assertCanView(ctx, channel);
    const limitRaw = query.get("limit");
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      const form = new FormErrors();
      form.add(["limit"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.");
      form.throwIfAny();
    }
    if (channel.type !== ChannelType.DM && !has(perms, Permission.ReadMessageHistory)) return { status: 200, body: [] };
    const all = ctx.state.messagesIn(channel.id).filter((m) => !m.deleted && !(m.flags & MessageFlag.Ephemeral));
    const big = (id: string): bigint => BigInt(id);
    const before = query.get("before");
    const after = query.get("after");
    const around = query.get("around");
    let selected: typeof all;
    if (before) selected = all.filter((m) => big(m.id) < big(before)).slice(-limit);
    else if (after) selected = all.filter((m) => big(m.id) > big(after)).slice(0, limit);
    else if (around) {
      const idx = all.findIndex((m) => big(m.id) >= big(around));
      const start = Math.max(0, (idx < 0 ? all.length : idx) - Math.floor(limit / 2));
      selected = all.slice(start, start + limit);
    } else selected = all.slice(-limit);
    return { status: 200, body: [...selected].reverse().map((m) => messageJson(ctx, m)) };
  });

  router.add("GET", "/channels/:channel_id/messages/:message_id", ({ params }) => {
    const channel = requireChannel(ctx, param(params, "channel_id"));
    const perms = assertCanView(ctx, channel);
    if (channel.type !== ChannelType.DM && !has(perms, Permission.ReadMessageHistory)) throw errors.missingAccess();
    return { status: 200, body: messageJson(ctx, requireMessage(ctx, channel.id, param(params, "message_id"), true)) };
  });

  router.add("POST", "/channels/:channel_id/messages", (req) => {
    const channel = requireChannel(ctx, param(req.params, "channel_id"));
    const input = validateMessageBody(req.body, req.files, "create");
    const perms = assertCanPost(ctx, channel, {
      hasFiles: req.files.length > 0,
      replying: input.messageReference !== undefined,
    });
    const duplicate = findNonceDuplicate(ctx, channel.id, bot, input);
    if (duplicate) return { status: 200, body: messageJson(ctx, duplicate) };
    const message = createMessage(ctx, {
      channel,
      authorId: bot,
      input,
      files: req.files,
      stripEmbeds: channel.type !== ChannelType.DM && !has(perms, Permission.EmbedLinks),
      source: "message.create",
      method: req.method,
      path: req.path,
    });
    return { status: 200, body: messageJson(ctx, message) };
  });

  router.add("PATCH", "/channels/:channel_id/messages/:message_id", (req) => {
    const channel = requireChannel(ctx, param(req.params, "channel_id"));
    const perms = assertCanView(ctx, channel);
    const message = requireMessage(ctx, channel.id, param(req.params, "message_id"), true);
    const input = validateMessageBody(req.body, req.files, "edit");
    if (message.authorId !== bot) throw errors.notAuthor();
    if (req.files.length > 0 && channel.type !== ChannelType.DM && !has(perms, Permission.AttachFiles))
      throw errors.missingPermissions();
    assertThreadWritable(ctx, channel, "edit");
    const stripEmbeds = channel.type !== ChannelType.DM && !has(perms, Permission.EmbedLinks);
    editMessage(
      ctx,
      message,
      input,
      req.files,
      { source: "message.edit", method: req.method, path: req.path },
      stripEmbeds,
    );
    return { status: 200, body: messageJson(ctx, message) };
  });

  router.add("DELETE", "/channels/:channel_id/messages/:message_id", ({ params }) => {
    const channel = requireChannel(ctx, param(params, "channel_id"));
    const perms = assertCanView(ctx, channel);
    const message = requireMessage(ctx, channel.id, param(params, "message_id"), true);
    if (message.authorId !== bot) {
      if (channel.type === ChannelType.DM) throw new ApiError(403, 50003, "Cannot execute action on a DM channel");
      if (!has(perms, Permission.ManageMessages)) throw errors.missingPermissions();
    }
    if (channel.thread?.archived) throw errors.archivedThread();
    deleteMessage(ctx, message);
    return { status: 204 };
  });

  router.add("POST", "/channels/:channel_id/typing", ({ params }) => {
    const channel = requireChannel(ctx, param(params, "channel_id"));
    assertCanPost(ctx, channel, { hasFiles: false, replying: false });
    return { status: 204 };
  });

  const reaction =
    (add: boolean) =>
    ({ params }: { params: Record<string, string> }) => {
      const channel = requireChannel(ctx, param(params, "channel_id"));
      const perms = assertCanView(ctx, channel);
      requireMessage(ctx, channel.id, param(params, "message_id"), true);
      if (channel.type !== ChannelType.DM && !has(perms, Permission.ReadMessageHistory)) throw errors.missingAccess();
      if (add && channel.type !== ChannelType.DM && !has(perms, Permission.AddReactions))
        throw errors.missingPermissions();
      if (channel.thread?.archived) throw errors.archivedThread();
      if (!param(params, "emoji")) throw new ApiError(400, 10014, "Unknown Emoji");
      return { status: 204 };
    };
  router.add("PUT", "/channels/:channel_id/messages/:message_id/reactions/:emoji/@me", reaction(true));
  router.add("DELETE", "/channels/:channel_id/messages/:message_id/reactions/:emoji/@me", reaction(false));
}
