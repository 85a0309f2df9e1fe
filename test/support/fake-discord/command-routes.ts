import { errors, FormErrors } from "./api-error.js";
import { isObject, num, str, toJson } from "./json-guards.js";
import type { FakeRequest, Router } from "./router.js";
import { nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { CommandRecord, Json, JsonObject } from "./types.js";
import { validateCommand, validateCommandList } from "./validate-commands.js";

function stored(
  ctx: FakeContext,
  raw: JsonObject,
  guildId: string | null,
  existing: CommandRecord | undefined,
): CommandRecord {
  const type = num(raw["type"]) ?? 1;
  const name = str(raw["name"]) ?? "";
  const json: JsonObject = {
    id: existing?.id ?? nextSnowflake(),
    application_id: ctx.app.id,
    version: nextSnowflake(),
    default_member_permissions: (raw["default_member_permissions"] as string | null | undefined) ?? null,
    type,
    name,
    name_localizations: (raw["name_localizations"] as JsonObject | undefined) ?? null,
    description: str(raw["description"]) ?? "",
    description_localizations: (raw["description_localizations"] as JsonObject | undefined) ?? null,
    contexts: (raw["contexts"] as number[] | undefined) ?? null,
    integration_types: (raw["integration_types"] as number[] | undefined) ?? [0],
    nsfw: raw["nsfw"] === true,
  };
  if (guildId) json["guild_id"] = guildId;
  else json["dm_permission"] = raw["dm_permission"] !== false;
  if (Array.isArray(raw["options"])) json["options"] = toJson(raw["options"]);
  return { id: json["id"] as string, guildId, name, type, json };
}

/** Application command routes (global and guild): list, bulk overwrite, create, get, edit, delete. */
export function registerCommandRoutes(router: Router, ctx: FakeContext): void {
  const scope = (req: FakeRequest): string | null => {
    if (req.params["application_id"] !== ctx.app.id) throw errors.unknownApplication();
    const guildId = req.params["guild_id"];
    if (guildId === undefined) return null;
    const guild = ctx.state.guilds.get(guildId);
    if (!guild || guild.deleted) throw errors.missingAccess();
    return guildId;
  };
  const list = (guildId: string | null): CommandRecord[] =>
    [...ctx.state.commands.values()].filter((c) => c.guildId === guildId);
  const find = (guildId: string | null, id: string): CommandRecord => {
    const c = ctx.state.commands.get(id);
    if (!c || c.guildId !== guildId) throw errors.unknownCommand();
    return c;
  };

  for (const base of [
    "/applications/:application_id/commands",
    "/applications/:application_id/guilds/:guild_id/commands",
  ]) {
    router.add("GET", base, (req) => ({ status: 200, body: list(scope(req)).map((c) => c.json) }));

    router.add("PUT", base, (req) => {
      const guildId = scope(req);
      const incoming = validateCommandList(req.body);
      const previous = list(guildId);
      for (const c of previous) ctx.state.commands.delete(c.id);
      const result = incoming.map((raw) => {
        const type = num(raw["type"]) ?? 1;
        const existing = previous.find((c) => c.name === raw["name"] && c.type === type);
        const rec = stored(ctx, raw, guildId, existing);
        ctx.state.commands.set(rec.id, rec);
        return rec.json;
      });
      ctx.state.changed();
      return { status: 200, body: result };
    });

    router.add("POST", base, (req) => {
      const guildId = scope(req);
      const form = new FormErrors();
      validateCommand(form, [], (req.body ?? null) as Json);
      form.throwIfAny();
      const raw = req.body as JsonObject;
      const type = num(raw["type"]) ?? 1;
      const existing = list(guildId).find((c) => c.name === raw["name"] && c.type === type);
      const rec = stored(ctx, raw, guildId, existing);
      ctx.state.commands.set(rec.id, rec);
      ctx.state.changed();
      return { status: existing ? 200 : 201, body: rec.json };
    });

    router.add("GET", `${base}/:command_id`, (req) => ({
      status: 200,
      body: find(scope(req), req.params["command_id"] ?? "").json,
    }));

    router.add("PATCH", `${base}/:command_id`, (req) => {
      const guildId = scope(req);
      const current = find(guildId, req.params["command_id"] ?? "");
      const merged = { ...current.json, ...(isObject(req.body) ? req.body : {}) };
      const form = new FormErrors();
      validateCommand(form, [], merged);
      form.throwIfAny();
      const rec = stored(ctx, merged, guildId, current);
      ctx.state.commands.set(rec.id, rec);
      ctx.state.changed();
      return { status: 200, body: rec.json };
    });

    router.add("DELETE", `${base}/:command_id`, (req) => {
      const c = find(scope(req), req.params["command_id"] ?? "");
      ctx.state.commands.delete(c.id);
      ctx.state.changed();
      return { status: 204 };
    });
  }
}
