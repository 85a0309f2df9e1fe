import { isObject, num, str } from "./json-guards.js";
import { ChannelType } from "./serialize.js";
import type { FakeContext } from "./state.js";
import type { ChannelRecord, CommandRecord, Json, JsonObject } from "./types.js";
import { OptionType } from "./validate-commands.js";

interface OptionLike {
  name: string;
  type?: number | undefined;
  value?: string | number | boolean | undefined;
  options?: OptionLike[] | undefined;
  focused?: boolean | undefined;
}

export interface InvocationCheck {
  name: string;
  guildId: string | null;
  options: readonly OptionLike[];
  memberPermissions: bigint | undefined;
  channel: ChannelRecord;
}

function fail(message: string): never {
  throw new Error(`fake discord: invokeCommand: ${message} (the Discord client would not let a user send this)`);
}

function inferType(value: unknown): number {
  if (typeof value === "boolean") return OptionType.Boolean;
  if (typeof value === "number") return Number.isInteger(value) ? OptionType.Integer : OptionType.Number;
  return OptionType.String;
}

function checkValue(def: JsonObject, o: OptionLike, path: string): void {
  const type = num(def["type"]);
  const v = o.value;
  if (type === OptionType.String) {
    if (typeof v !== "string") fail(`${path} must be a string`);
    const min = num(def["min_length"]);
    const max = num(def["max_length"]) ?? 6000;
    if ((min !== undefined && v.length < min) || v.length > max)
      fail(`${path} length ${v.length} outside ${min ?? 0}..${max}`);
  } else if (type === OptionType.Integer || type === OptionType.Number) {
    if (typeof v !== "number" || (type === OptionType.Integer && !Number.isInteger(v)))
      fail(`${path} must be ${type === OptionType.Integer ? "an integer" : "a number"}`);
    const min = num(def["min_value"]);
    const max = num(def["max_value"]);
    if ((min !== undefined && v < min) || (max !== undefined && v > max))
      fail(`${path} = ${v} outside ${min ?? "-inf"}..${max ?? "inf"}`);
  } else if (type === OptionType.Boolean && typeof v !== "boolean") fail(`${path} must be a boolean`);
  const choices = def["choices"];
  if (
    Array.isArray(choices) &&
    choices.length > 0 &&
    !o.focused &&
    !choices.some((c) => isObject(c) && c["value"] === v)
  ) {
    fail(`${path} = ${String(v)} is not one of the registered choices`);
  }
}

function normalize(defs: readonly Json[] | undefined, given: readonly OptionLike[], path: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const o of given) {
    const def = defs?.find((d): d is JsonObject => isObject(d) && d["name"] === o.name);
    if (defs && !def) fail(`unknown option ${path}${o.name}`);
    const type = o.type ?? (def ? num(def["type"]) : undefined) ?? inferType(o.value);
    if (def && num(def["type"]) !== type)
      fail(`option ${path}${o.name} has type ${type}, registered ${JSON.stringify(def["type"])}`);
    const json: JsonObject = { name: o.name, type };
    if (type === OptionType.Subcommand || type === OptionType.SubcommandGroup) {
      json["options"] = normalize(
        def ? ((def["options"] as Json[] | undefined) ?? []) : undefined,
        o.options ?? [],
        `${path}${o.name}.`,
      );
    } else {
      if (o.value === undefined) fail(`option ${path}${o.name} has no value`);
      if (def) checkValue(def, o, `${path}${o.name}`);
      json["value"] = o.value;
      if (o.focused) json["focused"] = true;
    }
    out.push(json);
  }
  if (defs) {
    const isSubLevel = defs.some((d) => isObject(d) && (d["type"] === 1 || d["type"] === 2));
    if (isSubLevel && given.length !== 1) fail(`exactly one subcommand must be chosen at ${path || "top level"}`);
    for (const d of defs) {
      if (isObject(d) && d["required"] === true && !given.some((o) => o.name === d["name"]))
        fail(`required option ${path}${str(d["name"]) ?? "?"} missing`);
    }
  }
  return out;
}

/**
 * Finds the registered command (guild first, then global) and checks the invocation like the
 * Discord client would (options, types, required, ranges, choices, default_member_permissions,
 * DM availability). Unregistered commands pass unless strictCommands is on.
 */
export function checkInvocation(
  ctx: FakeContext,
  check: InvocationCheck,
): { command: CommandRecord | undefined; options: JsonObject[] } {
  const all = [...ctx.state.commands.values()].filter((c) => c.name === check.name && c.type === 1);
  const command =
    all.find((c) => check.guildId !== null && c.guildId === check.guildId) ?? all.find((c) => c.guildId === null);
  if (!command) {
    if (ctx.options.strictCommands) fail(`command /${check.name} is not registered`);
    const elsewhere = all.map((c) => c.guildId).filter((g): g is string => g !== null);
    if (elsewhere.length > 0) {
      const where = check.guildId === null ? "in a DM" : `in guild ${check.guildId}`;
      fail(`/${check.name} is registered only for guild(s) ${elsewhere.join(", ")}, so it is not offered ${where}`);
    }
    return { command: undefined, options: normalize(undefined, check.options, "") };
  }
  const json = command.json;
  if (check.channel.type === ChannelType.DM) {
    const contexts = json["contexts"];
    if (Array.isArray(contexts) ? !contexts.includes(1) : json["dm_permission"] === false)
      fail(`/${check.name} is not available in DMs`);
  }
  const required = str(json["default_member_permissions"]);
  if (check.guildId && required !== undefined && check.memberPermissions !== undefined) {
    const need = BigInt(required);
    if ((check.memberPermissions & need) !== need && !(check.memberPermissions & (1n << 3n)))
      fail(`member lacks default_member_permissions for /${check.name}`);
  }
  return { command, options: normalize((json["options"] as Json[] | undefined) ?? [], check.options, "") };
}
