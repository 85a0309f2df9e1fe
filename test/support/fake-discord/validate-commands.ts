import { FormErrors } from "./api-error.js";
import { charLength, isObject, num, str } from "./json-guards.js";
import type { Json, JsonObject } from "./types.js";

/** Option types (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-type). */
export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
type Path = Array<string | number>;

function checkName(form: FormErrors, path: Path, value: unknown, chatInput: boolean): void {
  const name = str(value);
  if (name === undefined || name === "") return form.required(path);
  if (charLength(name) > 32) return form.badLength(path, 1, 32);
  if (chatInput && (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase())) {
    form.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
  }
}

function checkDescription(form: FormErrors, path: Path, value: unknown): void {
  const d = str(value);
  if (d === undefined || d === "") form.required(path);
  else if (charLength(d) > 100) form.badLength(path, 1, 100);
}

/** Validates options recursively; returns the characters counted toward the 4000 limit. */
function checkOptions(form: FormErrors, path: Path, options: Json[], depth: number): number {
  let size = 0;
  if (options.length > 25) form.maxLength(path, 25);
  const names = new Set<string>();
  let seenOptional = false;
  let kinds = 0;
  options.forEach((raw, i) => {
    const p = [...path, i];
    if (!isObject(raw)) return form.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    const type = num(raw["type"]) ?? 0;
    if (type < 1 || type > 11)
      form.add([...p, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).");
    checkName(form, [...p, "name"], raw["name"], true);
    checkDescription(form, [...p, "description"], raw["description"]);
    const name = str(raw["name"]) ?? "";
    size += charLength(name) + charLength(str(raw["description"]) ?? "");
    if (names.has(name))
      form.add([...p, "name"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique");
    names.add(name);
    const isSub = type === OptionType.Subcommand || type === OptionType.SubcommandGroup;
    kinds |= isSub ? 1 : 2;
    if (isSub) {
      if (depth >= (type === OptionType.SubcommandGroup ? 1 : 2))
        form.add([...p, "type"], "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot be nested this deep");
      const nested = raw["options"];
      if (Array.isArray(nested)) {
        if (
          type === OptionType.SubcommandGroup &&
          nested.some((o) => !isObject(o) || o["type"] !== OptionType.Subcommand)
        ) {
          form.add(
            [...p, "options"],
            "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
            "Subcommand groups may only contain subcommands",
          );
        }
        size += checkOptions(form, [...p, "options"], nested, depth + 1);
      }
      return;
    }
    const required = raw["required"] === true;
    if (required && seenOptional)
      form.add(
        [...p, "required"],
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "Required options must be placed before non-required options",
      );
    if (!required) seenOptional = true;
    const choices = raw["choices"];
    if (Array.isArray(choices)) {
      if (![OptionType.String, OptionType.Integer, OptionType.Number].includes(type as 3))
        form.add(
          [...p, "choices"],
          "APPLICATION_COMMAND_OPTION_CHOICES_NOT_ALLOWED",
          "Choices are not allowed for this option type",
        );
      if (choices.length > 25) form.maxLength([...p, "choices"], 25);
      if (raw["autocomplete"] === true && choices.length > 0)
        form.add(
          [...p, "autocomplete"],
          "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES",
          "Autocomplete cannot be used with choices",
        );
      choices.forEach((c, j) => {
        const cn = isObject(c) ? str(c["name"]) : undefined;
        if (!cn || charLength(cn) > 100) form.badLength([...p, "choices", j, "name"], 1, 100);
        const v = isObject(c) ? c["value"] : undefined;
        if (typeof v === "string" && (charLength(v) < 1 || charLength(v) > 100))
          form.badLength([...p, "choices", j, "value"], 1, 100);
        if (type !== OptionType.String && typeof v !== "number")
          form.add([...p, "choices", j, "value"], "NUMBER_TYPE_COERCE", "Value is not a number.");
        size += charLength(cn ?? "") + (typeof v === "string" ? charLength(v) : JSON.stringify(v ?? "").length);
      });
    }
    const minLen = raw["min_length"];
    const maxLen = raw["max_length"];
    if ((minLen !== undefined || maxLen !== undefined) && type !== OptionType.String)
      form.add(
        [...p, "type"],
        "APPLICATION_COMMAND_OPTION_LENGTH_NOT_ALLOWED",
        "min_length and max_length are only allowed for string options",
      );
    if (minLen !== undefined && (!Number.isInteger(minLen) || (minLen as number) < 0 || (minLen as number) > 6000))
      form.add([...p, "min_length"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 6000.");
    if (maxLen !== undefined && (!Number.isInteger(maxLen) || (maxLen as number) < 1 || (maxLen as number) > 6000))
      form.add([...p, "max_length"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 6000.");
    if (typeof minLen === "number" && typeof maxLen === "number" && minLen > maxLen)
      form.add(
        [...p, "min_length"],
        "APPLICATION_COMMAND_OPTION_LENGTH_INVALID",
        "min_length must be less than or equal to max_length",
      );
    const minV = raw["min_value"];
    const maxV = raw["max_value"];
    if ((minV !== undefined || maxV !== undefined) && type !== OptionType.Integer && type !== OptionType.Number)
      form.add(
        [...p, "type"],
        "APPLICATION_COMMAND_OPTION_VALUE_NOT_ALLOWED",
        "min_value and max_value are only allowed for integer and number options",
      );
    for (const [key, v] of [
      ["min_value", minV],
      ["max_value", maxV],
    ] as const) {
      if (v === undefined) continue;
      if (typeof v !== "number" || Math.abs(v) > MAX_SAFE || (type === OptionType.Integer && !Number.isInteger(v))) {
        form.add(
          [...p, key],
          "NUMBER_TYPE_COERCE",
          `Value must be a ${type === OptionType.Integer ? "safe integer" : "number"} between -2^53 and 2^53.`,
        );
      }
    }
    if (typeof minV === "number" && typeof maxV === "number" && minV > maxV)
      form.add(
        [...p, "min_value"],
        "APPLICATION_COMMAND_OPTION_VALUE_INVALID",
        "min_value must be less than or equal to max_value",
      );
    if (raw["channel_types"] !== undefined && type !== OptionType.Channel)
      form.add(
        [...p, "channel_types"],
        "APPLICATION_COMMAND_OPTION_CHANNEL_TYPES_NOT_ALLOWED",
        "channel_types is only allowed for channel options",
      );
  });
  if (kinds === 3)
    form.add(
      path,
      "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
      "Subcommands and subcommand groups cannot be mixed with other options",
    );
  return size;
}

/** Validates one command; problems are added under `path`. */
export function validateCommand(form: FormErrors, path: Path, raw: Json): void {
  if (!isObject(raw)) return form.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
  const type = raw["type"] === undefined ? 1 : num(raw["type"]);
  if (type !== 1 && type !== 2 && type !== 3 && type !== 4)
    return form.add([...path, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).");
  checkName(form, [...path, "name"], raw["name"], type === 1);
  let size = charLength(str(raw["name"]) ?? "");
  if (type === 1) {
    checkDescription(form, [...path, "description"], raw["description"]);
    size += charLength(str(raw["description"]) ?? "");
    const options = raw["options"];
    if (Array.isArray(options)) size += checkOptions(form, [...path, "options"], options, 0);
  } else if ((str(raw["description"]) ?? "") !== "") {
    form.add(
      [...path, "description"],
      "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
      "Context menu commands cannot have a description",
    );
  }
  if (size > 4000) form.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)");
  const perms = raw["default_member_permissions"];
  if (perms !== undefined && perms !== null && (typeof perms !== "string" || !/^\d+$/.test(perms)))
    form.add([...path, "default_member_permissions"], "BASE_TYPE_STRING", "Must be a string of permission bits.");
  const contexts = raw["contexts"];
  if (Array.isArray(contexts) && contexts.some((c) => c !== 0 && c !== 1 && c !== 2))
    form.add([...path, "contexts"], "BASE_TYPE_CHOICES", "Value must be one of (0, 1, 2).");
  const integration = raw["integration_types"];
  if (Array.isArray(integration) && integration.some((c) => c !== 0 && c !== 1))
    form.add([...path, "integration_types"], "BASE_TYPE_CHOICES", "Value must be one of (0, 1).");
}

/** Validates a bulk-overwrite body (array; unique name+type; ≤ 100 chat-input, 15 user, 15 message). */
export function validateCommandList(body: unknown): JsonObject[] {
  const form = new FormErrors();
  if (!Array.isArray(body)) {
    form.add([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    form.throwIfAny();
    return [];
  }
  const list = body as Json[];
  const seen = new Set<string>();
  const counts: Record<number, number> = {};
  list.forEach((cmd, i) => {
    validateCommand(form, [i], cmd);
    if (!isObject(cmd)) return;
    const type = num(cmd["type"]) ?? 1;
    const key = `${type}:${str(cmd["name"]) ?? ""}`;
    if (seen.has(key))
      form.add([i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique");
    seen.add(key);
    counts[type] = (counts[type] ?? 0) + 1;
  });
  if ((counts[1] ?? 0) > 100 || (counts[2] ?? 0) > 15 || (counts[3] ?? 0) > 15)
    form.add([], "BASE_TYPE_MAX_LENGTH", "Too many application commands.");
  form.throwIfAny();
  return list.filter(isObject);
}
