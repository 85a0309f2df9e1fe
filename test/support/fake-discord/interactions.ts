import { botPermissionsIn, guildPermissions } from "./access.js";
import { str } from "./json-guards.js";
import { channelJson, ChannelType, memberJson, messageJson, roleJson, userJson, userOf } from "./serialize.js";
import { isoTime, makeInteractionToken, nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { FakeUser, InvokedInteraction } from "./public-types.js";
import type { ChannelRecord, InteractionRecord, JsonObject } from "./types.js";
import { findComponent } from "./validate-components.js";
import { checkInvocation } from "./invocation-check.js";

/** One option as a user would fill it in (type inferred from the registered command if omitted). */
export interface CommandOptionInput {
  name: string;
  type?: number | undefined;
  value?: string | number | boolean | undefined;
  options?: CommandOptionInput[] | undefined;
  focused?: boolean | undefined;
}

interface Invoker {
  user: FakeUser | string;
  /** Defaults to the channel's guild; omit for DMs. */
  guildId?: string | undefined;
  /** The invoking member's permissions in the channel (default: @everyone's). */
  memberPermissions?: bigint | undefined;
  memberRoles?: string[] | undefined;
  locale?: string | undefined;
  /** Override interactionDeadlineMs for this interaction. */
  deadlineMs?: number | undefined;
}

export interface InvokeCommandInput extends Invoker {
  name: string;
  options?: CommandOptionInput[] | undefined;
  channelId: string;
}

export interface InvokeComponentInput extends Invoker {
  customId: string;
  messageId: string;
  /** Defaults to the message's channel. */
  channelId?: string | undefined;
  componentType?: number | undefined;
  values?: string[] | undefined;
}

export interface InvokeModalSubmitInput extends Invoker {
  customId: string;
  channelId: string;
  fields: Record<string, string>;
  messageId?: string | undefined;
}

function userIdOf(user: FakeUser | string): string {
  return typeof user === "string" ? user : user.id;
}

function resolveChannel(ctx: FakeContext, id: string): ChannelRecord {
  const channel = ctx.state.liveChannel(id);
  if (!channel) throw new Error(`fake discord: unknown channel ${id}`);
  return channel;
}

function base(
  ctx: FakeContext,
  who: Invoker,
  channel: ChannelRecord,
  type: number,
  data: JsonObject,
  extra: JsonObject,
  names: { command: string | null; customId: string | null; source: string | null },
): InvokedInteraction {
  const userId = userIdOf(who.user);
  if (!ctx.state.users.has(userId)) throw new Error(`fake discord: unknown user ${userId}; createUser first`);
  if (ctx.gateway.liveSessions === 0) {
    throw new Error("fake discord: no bot session is connected to receive INTERACTION_CREATE");
  }
  const guildId = who.guildId ?? channel.guildId;
  const id = nextSnowflake();
  const token = makeInteractionToken(id);
  const payload: JsonObject = {
    id,
    application_id: ctx.app.id,
    type,
    token,
    version: 1,
    data,
    channel_id: channel.id,
    ...extra,
  };
  const appPerms = botPermissionsIn(ctx, channel);
  if (guildId) {
    const guild = ctx.state.guilds.get(guildId);
    if (!guild) throw new Error(`fake discord: unknown guild ${guildId}`);
    let member = guild.members.get(userId);
    if (!member) {
      member = { userId, roles: who.memberRoles ?? [], joinedAt: isoTime(Date.now()), nick: null };
      guild.members.set(userId, member);
    }
    const perms = who.memberPermissions ?? guildPermissions(guild, member.roles);
    Object.assign(payload, {
      guild_id: guildId,
      guild: { id: guildId, locale: "en-US", features: [] },
      guild_locale: "en-US",
      member: { ...memberJson(ctx, member), permissions: perms.toString(), unusual_dm_activity_until: null },
      channel: { ...channelJson(ctx, channel), permissions: perms.toString(), permission_overwrites: undefined },
      authorizing_integration_owners: { "0": guildId },
      context: 0,
    });
  } else {
    Object.assign(payload, {
      user: userJson(userOf(ctx, userId)),
      channel: channelJson(ctx, channel),
      authorizing_integration_owners: { "0": "0" },
      context: channel.type === ChannelType.DM ? 1 : 2,
    });
  }
  Object.assign(payload, {
    app_permissions: appPerms.toString(),
    locale: who.locale ?? "en-US",
    entitlements: [],
    attachment_size_limit: ctx.options.attachmentSizeLimit,
  });
  const clean = JSON.parse(JSON.stringify(payload)) as JsonObject;
  const now = Date.now();
  const record: InteractionRecord = {
    id,
    token,
    type,
    commandName: names.command,
    customId: names.customId,
    guildId,
    channelId: channel.id,
    userId,
    sourceMessageId: names.source,
    dispatchedAt: now,
    deadlineMs: who.deadlineMs ?? ctx.options.interactionDeadlineMs,
    tokenExpiresAt: now + ctx.options.tokenLifetimeMs,
    responses: [],
    originalMessageId: null,
    followupIds: [],
    deferred: false,
    ephemeral: false,
    payload: clean,
  };
  ctx.state.interactions.set(id, record);
  ctx.state.interactionsByToken.set(token, record);
  ctx.gateway.dispatch("INTERACTION_CREATE", clean, { guildId, intent: null });
  ctx.state.changed();
  return { id, token, payload: clean };
}

function resolvedFor(ctx: FakeContext, channel: ChannelRecord, options: readonly JsonObject[]): JsonObject | undefined {
  const resolved: Record<string, JsonObject> = {};
  const add = (kind: string, id: string, value: JsonObject): void => {
    resolved[kind] = { ...(resolved[kind] ?? {}), [id]: value };
  };
  const guild = channel.guildId ? ctx.state.guilds.get(channel.guildId) : undefined;
  const walk = (opts: readonly JsonObject[]): void => {
    for (const o of opts) {
      if (Array.isArray(o["options"])) walk(o["options"] as JsonObject[]);
      const id = str(o["value"]);
      if (!id) continue;
      const type = o["type"];
      if ((type === 6 || type === 9) && ctx.state.users.has(id)) {
        add("users", id, userJson(userOf(ctx, id)));
        const member = guild?.members.get(id);
        if (member) {
          const { user: _user, deaf: _d, mute: _m, ...partial } = memberJson(ctx, member);
          add("members", id, {
            ...partial,
            permissions: guildPermissions(guild as NonNullable<typeof guild>, member.roles).toString(),
          });
        }
      } else if ((type === 8 || type === 9) && guild?.roles.has(id)) {
        const role = guild.roles.get(id);
        if (role) add("roles", id, roleJson(role));
      } else if (type === 7) {
        const c = ctx.state.liveChannel(id);
        if (c)
          add("channels", id, {
            ...channelJson(ctx, c),
            permissions: botPermissionsIn(ctx, c).toString(),
            permission_overwrites: undefined,
          } as unknown as JsonObject);
      }
    }
  };
  walk(options);
  return Object.keys(resolved).length > 0 ? (JSON.parse(JSON.stringify(resolved)) as JsonObject) : undefined;
}

/** Dispatches an APPLICATION_COMMAND (or AUTOCOMPLETE with `autocomplete`) interaction. */
export function invokeCommand(
  ctx: FakeContext,
  input: InvokeCommandInput,
  synthesizedIds: Map<string, string>,
  autocomplete = false,
): InvokedInteraction {
  const channel = resolveChannel(ctx, input.channelId);
  const guildId = input.guildId ?? channel.guildId;
  const { command, options } = checkInvocation(ctx, {
    name: input.name,
    guildId,
    options: input.options ?? [],
    memberPermissions: input.memberPermissions,
    channel,
  });
  let commandId = command?.id;
  if (!commandId) {
    commandId = synthesizedIds.get(input.name) ?? nextSnowflake();
    synthesizedIds.set(input.name, commandId);
  }
  const data: JsonObject = { id: commandId, name: input.name, type: 1 };
  if (options.length > 0) data["options"] = options;
  const resolved = resolvedFor(ctx, channel, options);
  if (resolved) data["resolved"] = resolved;
  if (command?.guildId) data["guild_id"] = command.guildId;
  return base(
    ctx,
    input,
    channel,
    autocomplete ? 4 : 2,
    data,
    {},
    { command: input.name, customId: null, source: null },
  );
}

/** Dispatches a MESSAGE_COMPONENT interaction for a component on an existing message. */
export function invokeComponent(ctx: FakeContext, input: InvokeComponentInput): InvokedInteraction {
  const message = ctx.state.messages.get(input.messageId);
  if (!message || message.deleted) throw new Error(`fake discord: unknown message ${input.messageId}`);
  const component = findComponent(message.components, input.customId);
  if (!component)
    throw new Error(`fake discord: message ${message.id} has no component with custom_id "${input.customId}"`);
  if (component["disabled"] === true)
    throw new Error(`fake discord: component "${input.customId}" is disabled; users cannot click it`);
  const channel = resolveChannel(ctx, input.channelId ?? message.channelId);
  const data: JsonObject = {
    custom_id: input.customId,
    component_type: input.componentType ?? (component["type"] as number),
  };
  if (input.values) data["values"] = input.values;
  return base(
    ctx,
    input,
    channel,
    3,
    data,
    { message: messageJson(ctx, message) },
    { command: null, customId: input.customId, source: message.id },
  );
}

/** Dispatches a MODAL_SUBMIT interaction with text-input values. */
export function invokeModalSubmit(ctx: FakeContext, input: InvokeModalSubmitInput): InvokedInteraction {
  const channel = resolveChannel(ctx, input.channelId);
  const components = Object.entries(input.fields).map(([customId, value]) => ({
    type: 1,
    components: [{ type: 4, custom_id: customId, value }],
  }));
  const extra: JsonObject = {};
  const message = input.messageId ? ctx.state.messages.get(input.messageId) : undefined;
  if (message) extra["message"] = messageJson(ctx, message);
  return base(ctx, input, channel, 5, { custom_id: input.customId, components }, extra, {
    command: null,
    customId: input.customId,
    source: message?.id ?? null,
  });
}
