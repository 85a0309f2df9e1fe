import { assertThreadWritable, requireChannel } from "./access.js";
import { errors, FormErrors } from "./api-error.js";
import { charLength, isObject, num, str } from "./json-guards.js";
import { createMessage, deleteMessage, editMessage } from "./messages.js";
import type { FakeRequest, FakeResponse, Router } from "./router.js";
import { MessageFlag, messageJson } from "./serialize.js";
import type { FakeContext } from "./state.js";
import type { InteractionRecord, JsonObject, MessageRecord } from "./types.js";
import { validateComponents } from "./validate-components.js";
import { validateMessageBody } from "./validate-message.js";

/** Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding). */
export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
  PremiumRequired: 10,
  LaunchActivity: 12,
} as const;

/** Callback types Discord accepts per interaction type. */
const ALLOWED: Record<number, readonly number[]> = {
  2: [4, 5, 9, 10, 12],
  3: [4, 5, 6, 7, 9, 10, 12],
  4: [8],
  5: [4, 5, 6, 7, 10],
};

const NO_RATE_LIMIT_GLOBAL = { auth: false, global: false } as const;

function invalidType(type: unknown): never {
  const form = new FormErrors();
  form.add(
    ["type"],
    "INTERACTION_RESPONSE_TYPE_INVALID",
    `Interaction response type ${String(type)} is not valid for this interaction`,
  );
  form.throwIfAny();
  throw new Error("unreachable");
}

function validateModal(data: unknown): void {
  const form = new FormErrors();
  const d = isObject(data) ? data : {};
  const customId = str(d["custom_id"]);
  if (!customId) form.required(["data", "custom_id"]);
  else if (charLength(customId) > 100) form.maxLength(["data", "custom_id"], 100);
  const title = str(d["title"]);
  if (!title) form.required(["data", "title"]);
  else if (charLength(title) > 45) form.maxLength(["data", "title"], 45);
  const components = d["components"];
  if (!Array.isArray(components) || components.length < 1 || components.length > 5)
    form.badLength(["data", "components"], 1, 5);
  else validateComponents(form, components, false, true);
  form.throwIfAny();
}

function validateChoices(data: unknown): void {
  const form = new FormErrors();
  const choices = isObject(data) ? data["choices"] : undefined;
  if (!Array.isArray(choices)) form.required(["data", "choices"]);
  else {
    if (choices.length > 25) form.maxLength(["data", "choices"], 25);
    choices.forEach((c, i) => {
      const name = isObject(c) ? str(c["name"]) : undefined;
      if (!name || charLength(name) > 100) form.badLength(["data", "choices", i, "name"], 1, 100);
      const value = isObject(c) ? c["value"] : undefined;
      if (typeof value === "string" && charLength(value) > 100) form.maxLength(["data", "choices", i, "value"], 100);
    });
  }
  form.throwIfAny();
}

function messageType(ix: InteractionRecord): number {
  return ix.type === 2 ? 20 : 0;
}

/** POST /interactions/{id}/{token}/callback and the interaction webhook routes. */
export function registerInteractionRoutes(router: Router, ctx: FakeContext): void {
  const bot = ctx.app.botUserId;

  const callback = (req: FakeRequest): FakeResponse => {
    const ix = ctx.state.interactions.get(req.params["interaction_id"] ?? "");
    const now = Date.now();
    if (!ix || ix.token !== req.params["interaction_token"]) throw errors.unknownInteraction();
    if (now - ix.dispatchedAt > ix.deadlineMs || now > ix.tokenExpiresAt) throw errors.unknownInteraction();
    if (ix.responses.length > 0) throw errors.alreadyAcknowledged();
    const body = isObject(req.body) ? req.body : {};
    const type = num(body["type"]);
    if (type === undefined || !(ALLOWED[ix.type] ?? []).includes(type)) invalidType(body["type"]);
    const data = body["data"];
    const src = { source: "interaction.callback" as const, method: req.method, path: req.path };
    let message: MessageRecord | null = null;
    if (type === CallbackType.ChannelMessageWithSource || type === CallbackType.DeferredChannelMessageWithSource) {
      const deferred = type === CallbackType.DeferredChannelMessageWithSource;
      const input = validateMessageBody(
        deferred ? { flags: isObject(data) ? (data["flags"] ?? 0) : 0 } : (data ?? {}),
        req.files,
        "interaction",
      );
      const channel = requireChannel(ctx, ix.channelId);
      assertThreadWritable(ctx, channel, "interaction-send");
      message = createMessage(ctx, {
        channel,
        authorId: bot,
        input: deferred ? { ...input, content: "" } : input,
        // A deferred response carries no message yet; files come with the edit or follow-up.
        files: deferred ? [] : req.files,
        webhookId: ctx.app.id,
        interactionId: ix.id,
        type: messageType(ix),
        extraFlags: deferred ? MessageFlag.Loading : 0,
        allowEmpty: deferred,
        ...src,
      });
      ix.originalMessageId = message.id;
      ix.deferred = deferred;
      ix.ephemeral = (message.flags & MessageFlag.Ephemeral) !== 0;
    } else if (type === CallbackType.UpdateMessage || type === CallbackType.DeferredUpdateMessage) {
      const source = ix.sourceMessageId ? ctx.state.messages.get(ix.sourceMessageId) : undefined;
      if (!source || source.deleted) throw errors.unknownMessage();
      if (type === CallbackType.UpdateMessage) {
        const input = validateMessageBody(data ?? {}, req.files, "interaction");
        assertThreadWritable(ctx, requireChannel(ctx, source.channelId), "interaction-edit");
        editMessage(ctx, source, input, req.files, src);
      } else ix.deferred = true;
      message = source;
      ix.originalMessageId = source.id;
    } else if (type === CallbackType.AutocompleteResult) validateChoices(data);
    else if (type === CallbackType.Modal) validateModal(data);
    ix.responses.push({
      type,
      data: data ?? null,
      at: now,
      afterMs: now - ix.dispatchedAt,
      withResponse: req.query.get("with_response") === "true",
    });
    ctx.state.changed();
    if (req.query.get("with_response") !== "true") return { status: 204 };
    const interaction: JsonObject = { id: ix.id, type: ix.type };
    if (message) {
      interaction["response_message_id"] = message.id;
      interaction["response_message_loading"] = (message.flags & MessageFlag.Loading) !== 0;
      interaction["response_message_ephemeral"] = (message.flags & MessageFlag.Ephemeral) !== 0;
    }
    const resource: JsonObject = { type };
    if (message && type !== CallbackType.DeferredUpdateMessage) resource["message"] = messageJson(ctx, message);
    return { status: 200, body: { interaction, resource } };
  };
  router.add("POST", "/interactions/:interaction_id/:interaction_token/callback", callback, NO_RATE_LIMIT_GLOBAL);

  /** The interaction behind an application webhook token (401 50027 when invalid/expired). */
  const webhookInteraction = (params: Record<string, string>): InteractionRecord => {
    if (params["webhook_id"] !== ctx.app.id) throw errors.unknownWebhook();
    const ix = ctx.state.interactionsByToken.get(params["webhook_token"] ?? "");
    if (!ix || Date.now() > ix.tokenExpiresAt) throw errors.invalidWebhookToken();
    if (ix.responses.length === 0) throw errors.unknownWebhook();
    return ix;
  };
  const webhookMessage = (ix: InteractionRecord, id: string): MessageRecord => {
    const messageId = id === "@original" ? ix.originalMessageId : id;
    const owned = messageId !== null && (messageId === ix.originalMessageId || ix.followupIds.includes(messageId));
    const m = owned ? ctx.state.messages.get(messageId) : undefined;
    if (!m || m.deleted) throw errors.unknownMessage();
    return m;
  };
  const path = "/webhooks/:webhook_id/:webhook_token/messages/:message_id";

  router.add(
    "GET",
    path,
    ({ params }) => {
      const ix = webhookInteraction(params);
      return { status: 200, body: messageJson(ctx, webhookMessage(ix, params["message_id"] ?? "")) };
    },
    NO_RATE_LIMIT_GLOBAL,
  );

  router.add(
    "PATCH",
    path,
    (req) => {
      const ix = webhookInteraction(req.params);
      const m = webhookMessage(ix, req.params["message_id"] ?? "");
      const input = validateMessageBody(req.body, req.files, "webhook-edit");
      assertThreadWritable(ctx, requireChannel(ctx, m.channelId), "interaction-edit");
      editMessage(ctx, m, input, req.files, { source: "webhook.edit", method: req.method, path: req.path });
      return { status: 200, body: messageJson(ctx, m) };
    },
    NO_RATE_LIMIT_GLOBAL,
  );

  router.add(
    "DELETE",
    path,
    ({ params }) => {
      const ix = webhookInteraction(params);
      const m = webhookMessage(ix, params["message_id"] ?? "");
      if (m.channelId && ctx.state.channels.get(m.channelId)?.thread?.archived) throw errors.archivedThread();
      deleteMessage(ctx, m);
      return { status: 204 };
    },
    NO_RATE_LIMIT_GLOBAL,
  );

  router.add(
    "POST",
    "/webhooks/:webhook_id/:webhook_token",
    (req) => {
      const ix = webhookInteraction(req.params);
      const input = validateMessageBody(req.body, req.files, "webhook");
      const wait = req.query.get("wait") === "true";
      const src = { source: "webhook.execute" as const, method: req.method, path: req.path };
      const original = ix.originalMessageId ? ctx.state.messages.get(ix.originalMessageId) : undefined;
      let message: MessageRecord;
      if (original && !original.deleted && original.flags & MessageFlag.Loading) {
        // Documented backwards compatibility: the first follow-up after a deferred response edits
        // the loading message (its ephemeral state is kept).
        assertThreadWritable(ctx, requireChannel(ctx, original.channelId), "interaction-edit");
        message = editMessage(ctx, original, { ...input, flags: undefined }, req.files, src);
      } else {
        const channel = requireChannel(ctx, ix.channelId);
        assertThreadWritable(ctx, channel, "interaction-send");
        message = createMessage(ctx, {
          channel,
          authorId: bot,
          input,
          files: req.files,
          webhookId: ctx.app.id,
          interactionId: ix.id,
          type: messageType(ix),
          ...src,
        });
        ix.followupIds.push(message.id);
      }
      return wait ? { status: 200, body: messageJson(ctx, message) } : { status: 204 };
    },
    NO_RATE_LIMIT_GLOBAL,
  );
}
