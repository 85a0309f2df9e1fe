import { errors } from "./api-error.js";
import { isObject, str } from "./json-guards.js";
import type { Router } from "./router.js";
import { applicationJson, channelJson, ChannelType, guildJson, memberJson, roleJson, userJson } from "./serialize.js";
import { nextSnowflake } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { ChannelRecord, GuildRecord } from "./types.js";

/** Finds or creates the DM channel between the bot and a user. */
export function dmChannelFor(ctx: FakeContext, userId: string): ChannelRecord {
  for (const c of ctx.state.channels.values()) {
    if (c.type === ChannelType.DM && !c.deleted && c.recipientIds[0] === userId) return c;
  }
  const channel: ChannelRecord = {
    id: nextSnowflake(),
    type: ChannelType.DM,
    name: null,
    guildId: null,
    parentId: null,
    position: 0,
    topic: null,
    nsfw: false,
    rateLimitPerUser: 0,
    lastMessageId: null,
    botPermissions: null,
    recipientIds: [userId],
    thread: null,
    deleted: false,
  };
  ctx.state.channels.set(channel.id, channel);
  ctx.state.changed();
  return channel;
}

/** Gateway discovery, users, applications and guild read routes. */
export function registerMiscRoutes(router: Router, ctx: FakeContext, gatewayUrl: string): void {
  const guild = (id: string | undefined): GuildRecord => {
    const g = id ? ctx.state.guilds.get(id) : undefined;
    if (!g || g.deleted) throw errors.unknownGuild();
    return g;
  };

  router.add("GET", "/gateway", () => ({ status: 200, body: { url: gatewayUrl } }), { auth: false });
  router.add("GET", "/gateway/bot", () => ({
    status: 200,
    body: {
      url: gatewayUrl,
      shards: 1,
      session_start_limit: {
        total: 1000,
        remaining: Math.max(0, 1000 - ctx.state.identifies.length),
        reset_after: 86_400_000,
        max_concurrency: 1,
      },
    },
  }));

  router.add("GET", "/users/@me", () => ({
    status: 200,
    body: {
      ...userJson(
        ctx.state.users.get(ctx.app.botUserId) ?? {
          id: ctx.app.botUserId,
          username: "bot",
          globalName: null,
          bot: true,
        },
      ),
      verified: true,
      mfa_enabled: false,
      email: null,
      locale: "en-US",
    },
  }));
  router.add("POST", "/users/@me/channels", (req) => {
    const recipient = isObject(req.body) ? str(req.body["recipient_id"]) : undefined;
    if (!recipient || !ctx.state.users.has(recipient)) throw errors.unknownUser();
    return { status: 200, body: channelJson(ctx, dmChannelFor(ctx, recipient)) };
  });
  router.add("GET", "/users/:user_id", ({ params }) => {
    const user = ctx.state.users.get(params["user_id"] ?? "");
    if (!user) throw errors.unknownUser();
    return { status: 200, body: userJson(user) };
  });

  router.add("GET", "/applications/@me", () => ({ status: 200, body: applicationJson(ctx) }));
  router.add("GET", "/oauth2/applications/@me", () => ({ status: 200, body: applicationJson(ctx) }));

  router.add("GET", "/guilds/:guild_id", ({ params }) => ({ status: 200, body: guildJson(guild(params["guild_id"])) }));
  router.add("GET", "/guilds/:guild_id/channels", ({ params }) => {
    const g = guild(params["guild_id"]);
    const channels = [...ctx.state.channels.values()].filter((c) => c.guildId === g.id && !c.deleted && !c.thread);
    return { status: 200, body: channels.map((c) => channelJson(ctx, c)) };
  });
  router.add("GET", "/guilds/:guild_id/roles", ({ params }) => ({
    status: 200,
    body: [...guild(params["guild_id"]).roles.values()].map(roleJson),
  }));
  router.add("GET", "/guilds/:guild_id/members/:user_id", ({ params }) => {
    const g = guild(params["guild_id"]);
    const member = g.members.get(params["user_id"] ?? "");
    if (!member) throw errors.unknownMember();
    return { status: 200, body: memberJson(ctx, member) };
  });
}
