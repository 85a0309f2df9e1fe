import { FormErrors } from "./api-error.js";
import { MAX_ATTACHMENTS, validateAttachmentList } from "./attachments.js";
import { charLength, isObject, num, str } from "./json-guards.js";
import { MessageFlag } from "./serialize.js";
import { validateComponents } from "./validate-components.js";
import { validateEmbeds } from "./validate-embeds.js";
import type { Json, JsonObject, UploadedFile } from "./types.js";

export type MessageMode = "create" | "edit" | "interaction" | "webhook" | "webhook-edit";

/** A validated message body. `undefined` = field absent (edits keep the old value). */
export interface MessageInput {
  content: string | undefined;
  embeds: JsonObject[] | undefined;
  components: JsonObject[] | undefined;
  flags: number | undefined;
  /** Raw allowed_mentions, or undefined when absent (= Discord's default: everything pings). */
  allowedMentions: JsonObject | undefined;
  messageReference: JsonObject | undefined;
  nonce: string | number | undefined;
  enforceNonce: boolean;
  tts: boolean;
  /**
   * The `attachments` field, if given: metadata for new uploads (`id` = the `files[n]` index) and,
   * on edits, the existing attachments to keep (by id).
   */
  attachments: JsonObject[] | undefined;
  stickerIds: string[];
  hasPoll: boolean;
}

const CREATE_FLAGS =
  MessageFlag.SuppressEmbeds |
  MessageFlag.SuppressNotifications |
  MessageFlag.IsVoiceMessage |
  MessageFlag.IsComponentsV2;

function allowedFlags(mode: MessageMode): number {
  if (mode === "interaction" || mode === "webhook") return CREATE_FLAGS | MessageFlag.Ephemeral;
  if (mode === "create") return CREATE_FLAGS;
  return MessageFlag.SuppressEmbeds | MessageFlag.IsComponentsV2;
}

function validateAllowedMentions(errors: FormErrors, am: Json): JsonObject | undefined {
  if (am === null) return undefined;
  if (!isObject(am)) {
    errors.add(["allowed_mentions"], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    return undefined;
  }
  const parse = am["parse"];
  if (parse !== undefined) {
    if (!Array.isArray(parse))
      errors.add(["allowed_mentions", "parse"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    else {
      parse.forEach((p, i) => {
        if (p !== "users" && p !== "roles" && p !== "everyone") {
          errors.add(
            ["allowed_mentions", "parse", i],
            "BASE_TYPE_CHOICES",
            "Value must be one of ('everyone', 'roles', 'users').",
          );
        }
      });
      for (const kind of ["users", "roles"] as const) {
        const list = am[kind];
        if (parse.includes(kind) && Array.isArray(list) && list.length > 0) {
          errors.add(
            ["allowed_mentions"],
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
            `parse:["${kind}"] and ${kind}: [ids] are mutually exclusive.`,
          );
        }
      }
    }
  }
  for (const kind of ["users", "roles"] as const) {
    const list = am[kind];
    if (list !== undefined && (!Array.isArray(list) || list.length > 100))
      errors.maxLength(["allowed_mentions", kind], 100);
  }
  return am;
}

/**
 * Validates a message create/edit body against Discord's documented limits (content ≤ 2000,
 * embeds, components, allowed_mentions, nonce ≤ 25 chars, ≤ 10 files). Throws 400 50035 on errors.
 * Emptiness (50006) is checked by the caller on the resulting message.
 */
export function validateMessageBody(raw: unknown, files: readonly UploadedFile[], mode: MessageMode): MessageInput {
  const errors = new FormErrors();
  if (!isObject(raw)) {
    errors.add([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    errors.throwIfAny();
  }
  const body = raw as JsonObject;
  const input: MessageInput = {
    content: undefined,
    embeds: undefined,
    components: undefined,
    flags: undefined,
    allowedMentions: undefined,
    messageReference: undefined,
    nonce: undefined,
    enforceNonce: body["enforce_nonce"] === true,
    tts: body["tts"] === true,
    attachments: undefined,
    stickerIds: [],
    hasPoll: isObject(body["poll"]),
  };
  const content = body["content"];
  if (content !== undefined) {
    if (content === null) input.content = "";
    else if (typeof content !== "string")
      errors.add(["content"], "BASE_TYPE_STRING", "Could not interpret value as string.");
    else {
      if (charLength(content) > 2000) errors.maxLength(["content"], 2000);
      input.content = content;
    }
  }
  const flagsRaw = body["flags"];
  if (flagsRaw !== undefined && flagsRaw !== null) {
    const f = num(flagsRaw);
    if (f === undefined || !Number.isInteger(f)) errors.add(["flags"], "NUMBER_TYPE_COERCE", "Value is not int.");
    else input.flags = f & allowedFlags(mode);
  }
  const v2 = ((input.flags ?? 0) & MessageFlag.IsComponentsV2) !== 0;
  const embeds = body["embeds"];
  if (embeds !== undefined) {
    if (embeds === null) input.embeds = [];
    else if (!Array.isArray(embeds))
      errors.add(["embeds"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    else {
      validateEmbeds(errors, embeds);
      input.embeds = embeds.filter(isObject);
    }
  }
  const components = body["components"];
  if (components !== undefined) {
    if (components === null) input.components = [];
    else if (!Array.isArray(components))
      errors.add(["components"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    else {
      validateComponents(errors, components, v2);
      input.components = components.filter(isObject);
    }
  }
  if (v2 && ((input.content ?? "") !== "" || (input.embeds?.length ?? 0) > 0)) {
    errors.add(
      ["content"],
      "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
      "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
    );
  }
  if (body["allowed_mentions"] !== undefined)
    input.allowedMentions = validateAllowedMentions(errors, body["allowed_mentions"]);
  const ref = body["message_reference"];
  if (ref !== undefined && ref !== null) {
    if (!isObject(ref) || str(ref["message_id"]) === undefined) errors.required(["message_reference", "message_id"]);
    else input.messageReference = ref;
  }
  const nonce = body["nonce"];
  if (nonce !== undefined && nonce !== null) {
    if (typeof nonce === "string") {
      if (charLength(nonce) > 25) errors.maxLength(["nonce"], 25);
      input.nonce = nonce;
    } else if (typeof nonce === "number" && Number.isInteger(nonce)) input.nonce = nonce;
    else errors.add(["nonce"], "BASE_TYPE_STRING", "Could not interpret value as string.");
  }
  input.attachments = validateAttachmentList(errors, body["attachments"]);
  const stickers = body["sticker_ids"];
  if (Array.isArray(stickers)) {
    if (stickers.length > 3) errors.maxLength(["sticker_ids"], 3);
    input.stickerIds = stickers.filter((s): s is string => typeof s === "string");
  }
  if (files.length > MAX_ATTACHMENTS || (input.attachments?.length ?? 0) > MAX_ATTACHMENTS)
    errors.maxLength(["attachments"], MAX_ATTACHMENTS);
  errors.throwIfAny();
  return input;
}

/** Whether a message would have nothing to show (Discord: 50006 "Cannot send an empty message"). */
export function isEmptyMessage(parts: {
  content: string;
  embeds: readonly unknown[];
  components: readonly unknown[];
  attachments: number;
  stickers: number;
  poll: boolean;
}): boolean {
  return (
    parts.content.trim() === "" &&
    parts.embeds.length === 0 &&
    parts.components.length === 0 &&
    parts.attachments === 0 &&
    parts.stickers === 0 &&
    !parts.poll
  );
}
