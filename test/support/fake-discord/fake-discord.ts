import { DiscordRules, liveFakes } from "./rules.js";
import type { Server } from "node:http";
import { botPermissionsIn } from "./access.js";
import { assemble, settle } from "./assemble.js";
import {
  createChannelRecord,
  createGuildRecord,
  createThreadFixture,
  createUserMessage,
  createUserRecord,
  updateRole,
  type CreateChannelInput,
  type CreateGuildInput,
  type CreateThreadInput,
} from "./fixtures.js";
import { type GatewayServer } from "./gateway.js";
import {
  invokeCommand,
  invokeComponent,
  invokeModalSubmit,
  type InvokeCommandInput,
  type InvokeComponentInput,
  type InvokeModalSubmitInput,
} from "./interactions.js";
import { deleteMessage } from "./messages.js";
import { dmChannelFor } from "./misc-routes.js";
import { type RateLimiter } from "./rate-limits.js";
import { channelJson, THREAD_TYPES } from "./serialize.js";
import { listen, type ActiveFault } from "./server.js";
import type { FakeContext } from "./state.js";
import { deleteChannelRecord, setThreadState } from "./threads.js";
import type {
  FakeChannel,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeUser,
  InvokedInteraction,
} from "./public-types.js";
import type {
  CommandRecord,
  DispatchRecord,
  ErrorRecord,
  FakeDiscordOptions,
  FaultSpec,
  IdentifyRecord,
  JsonObject,
  RateLimitHit,
  RateLimitRule,
  RequestRecord,
  UnsafeMention,
} from "./types.js";
import { toFakeChannel, toFakeInteraction, toFakeMessage, toFakeUser } from "./views.js";
import { waitFor, type WaitForOptions } from "./wait-for.js";

/**
 * An in-process fake of Discord's REST API (v10) and gateway that the real discord.js Client and
 * @discordjs/rest talk to, enforcing Discord's documented rules. Start with {@link FakeDiscord.start}.
 */
export class FakeDiscord {
  private rulesCheck: DiscordRules | undefined;
  /** Base for `rest.api` / DISCORD_API_URL, e.g. "http://127.0.0.1:PORT/api" (clients append /v10). */
  readonly apiUrl: string;
  /** What GET /gateway/bot returns. */
  readonly gatewayUrl: string;
  /** The only bot token accepted (REST `Bot <token>` and IDENTIFY). */
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeUser;
  private readonly ctx: FakeContext;
  private readonly gateway: GatewayServer;
  private readonly limiter: RateLimiter;
  private readonly faults: ActiveFault[];
  private readonly synthesizedCommandIds = new Map<string, string>();
  /** Whether close() has run. */
  closed = false;

  private constructor(
    private readonly server: Server,
    port: number,
    options: FakeDiscordOptions,
  ) {
    const parts = assemble(server, port, options);
    this.apiUrl = parts.apiUrl;
    this.gatewayUrl = parts.gatewayUrl;
    this.token = parts.ctx.app.token;
    this.applicationId = parts.ctx.app.id;
    this.ctx = parts.ctx;
    this.gateway = parts.gateway;
    this.limiter = parts.limiter;
    this.faults = parts.faults;
    this.botUser = toFakeUser(
      createUserRecord(this.ctx, { id: this.applicationId, username: this.ctx.options.botUsername, bot: true }),
    );
  }

  /** Starts the HTTP + WebSocket server on 127.0.0.1 with an ephemeral port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const { server, port } = await listen();
    const fake = new FakeDiscord(server, port, options);
    liveFakes.add(fake);
    return fake;
  }

  /** Discord's rules, checked after every end-to-end test (test/support/discord-rules.ts). */
  get rules(): DiscordRules {
    this.rulesCheck ??= new DiscordRules(this.ctx.state);
    return this.rulesCheck;
  }

  // ---- logs (live arrays) ----
  /** Every error response sent (status ≥ 400, except 429s which are in rateLimitHits). */
  get errors(): readonly ErrorRecord[] {
    return this.ctx.state.errors;
  }
  /** Every 429 sent. */
  get rateLimitHits(): readonly RateLimitHit[] {
    return this.ctx.state.rateLimitHits;
  }
  /** Every create/edit/callback whose content could ping (allowed_mentions permitting). */
  get unsafeMentions(): readonly UnsafeMention[] {
    return this.ctx.state.unsafeMentions;
  }
  /** IDENTIFY payloads received. */
  get identifies(): readonly IdentifyRecord[] {
    return this.ctx.state.identifies;
  }
  /** Every REST request received. */
  get requests(): readonly RequestRecord[] {
    return this.ctx.state.requests;
  }
  /** Every gateway dispatch sent (per session). */
  get dispatches(): readonly DispatchRecord[] {
    return this.ctx.state.dispatches;
  }
  /** Identified gateway sessions currently connected. */
  get connectedSessions(): number {
    return this.gateway.connectedSessions;
  }

  /** Empties all logs (errors, rateLimitHits, unsafeMentions, requests, identifies, dispatches). */
  clearLogs(): void {
    const s = this.ctx.state;
    for (const list of [
      s.errors,
      s.rateLimitHits,
      s.unsafeMentions,
      s.requests,
      s.identifies,
      s.dispatches,
    ] as unknown[][])
      list.length = 0;
  }

  // ---- fixtures ----
  /** A guild the bot is in; connected bots get GUILD_CREATE. */
  createGuild(input: CreateGuildInput = {}): FakeGuild {
    const g = createGuildRecord(this.ctx, input);
    return { id: g.id, name: g.name, ownerId: g.ownerId, everyoneRoleId: g.id, botRoleId: g.botRoleId };
  }

  /** A guild channel (types 0, 2, 4, 5, 13, 15, 16); connected bots get CHANNEL_CREATE. */
  createChannel(guildId: string, input: CreateChannelInput = {}): FakeChannel {
    return toFakeChannel(this.ctx, createChannelRecord(this.ctx, guildId, input));
  }

  /** A thread made by someone else (or from `messageId`); dispatches THREAD_CREATE. */
  createThread(parentId: string, input: CreateThreadInput = {}): FakeChannel {
    return toFakeChannel(this.ctx, createThreadFixture(this.ctx, parentId, input));
  }

  createUser(input: { username?: string; globalName?: string; bot?: boolean } = {}): FakeUser {
    return toFakeUser(createUserRecord(this.ctx, input));
  }

  /** The bot's DM channel with a user (created if needed). */
  createDmChannel(userId: string, options: { closed?: boolean } = {}): FakeChannel {
    const channel = dmChannelFor(this.ctx, userId);
    // A user who does not accept messages from the bot: it may still answer their interactions there.
    if (options.closed !== undefined) channel.dmClosed = options.closed;
    return toFakeChannel(this.ctx, channel);
  }

  /** Sets a channel's or thread's slowmode (rate_limit_per_user), in seconds. */
  setSlowmode(channelId: string, seconds: number): void {
    this.requireChannel(channelId).rateLimitPerUser = seconds;
    this.ctx.state.changed();
  }

  /** Caps the active (unarchived) threads a guild may have from now on; one more is 400 160006. */
  setMaxActiveThreads(count: number): void {
    this.ctx.options.maxActiveThreads = count;
  }

  /** Delays every REST response by `ms` from now on, as a distant or slow Discord would. */
  setLatency(ms: number): void {
    this.ctx.options.latencyMs = ms;
  }

  /** A message written by a human user (dispatches MESSAGE_CREATE to sessions with the intent). */
  sendUserMessage(channelId: string, user: FakeUser | string, body: string | JsonObject): FakeMessage {
    return toFakeMessage(
      this.ctx,
      createUserMessage(this.ctx, channelId, typeof user === "string" ? user : user.id, body),
    );
  }

  // ---- interactions ----
  /** Dispatches a slash-command INTERACTION_CREATE (type 2); checks it against the registered command. */
  invokeCommand(input: InvokeCommandInput): Promise<InvokedInteraction> {
    return settle(() => invokeCommand(this.ctx, input, this.synthesizedCommandIds));
  }

  /** Dispatches an autocomplete interaction (type 4); mark the focused option with `focused: true`. */
  invokeAutocomplete(input: InvokeCommandInput): Promise<InvokedInteraction> {
    return settle(() => invokeCommand(this.ctx, input, this.synthesizedCommandIds, true));
  }

  /** Dispatches a MESSAGE_COMPONENT interaction (button by default) on an existing message. */
  invokeComponent(input: InvokeComponentInput): Promise<InvokedInteraction> {
    return settle(() => invokeComponent(this.ctx, input));
  }

  invokeModalSubmit(input: InvokeModalSubmitInput): Promise<InvokedInteraction> {
    return settle(() => invokeModalSubmit(this.ctx, input));
  }

  /** Delivers an interaction's INTERACTION_CREATE again, as Discord may after a gateway resume. */
  redeliverInteraction(id: string): void {
    const record = this.ctx.state.interactions.get(id);
    if (!record) throw new Error(`fake discord: unknown interaction ${id}`);
    this.ctx.gateway.dispatch("INTERACTION_CREATE", record.payload, { guildId: record.guildId, intent: null });
  }

  /** What the bot did with an interaction. Throws for unknown ids. */
  interaction(id: string): FakeInteraction {
    const ix = this.ctx.state.interactions.get(id);
    if (!ix) throw new Error(`fake discord: unknown interaction ${id}`);
    return toFakeInteraction(this.ctx, ix);
  }

  /** Makes an interaction's token invalid now (follow-ups/edits get 401 50027, callbacks 10062). */
  expireInteractionToken(id: string): void {
    const ix = this.ctx.state.interactions.get(id);
    if (!ix) throw new Error(`fake discord: unknown interaction ${id}`);
    ix.tokenExpiresAt = Date.now() - 1;
    this.ctx.state.changed();
  }

  // ---- queries ----
  /** Current messages of a channel in order (deleted ones only with includeDeleted; ephemeral included). */
  messages(channelId: string, opts: { includeDeleted?: boolean } = {}): FakeMessage[] {
    return this.ctx.state
      .messagesIn(channelId)
      .filter((m) => opts.includeDeleted || !m.deleted)
      .map((m) => toFakeMessage(this.ctx, m));
  }

  message(id: string): FakeMessage | undefined {
    const m = this.ctx.state.messages.get(id);
    return m ? toFakeMessage(this.ctx, m) : undefined;
  }

  channel(id: string): FakeChannel | undefined {
    const c = this.ctx.state.channels.get(id);
    return c ? toFakeChannel(this.ctx, c) : undefined;
  }

  /** Live threads, optionally only those under `parentId`. */
  threads(parentId?: string): FakeChannel[] {
    return [...this.ctx.state.channels.values()]
      .filter((c) => THREAD_TYPES.includes(c.type) && !c.deleted && (parentId === undefined || c.parentId === parentId))
      .map((c) => toFakeChannel(this.ctx, c));
  }

  /** Registered commands as Discord returns them: global when guildId is omitted. */
  commands(guildId?: string): JsonObject[] {
    return [...this.ctx.state.commands.values()]
      .filter((c: CommandRecord) => c.guildId === (guildId ?? null))
      .map((c) => c.json);
  }

  /** Effective bot permissions in a channel, as discord.js would compute them. */
  botPermissions(channelId: string): bigint {
    const c = this.ctx.state.channels.get(channelId);
    if (!c) throw new Error(`fake discord: unknown channel ${channelId}`);
    return botPermissionsIn(this.ctx, c);
  }

  /** Resolves with the first truthy `fn()`, re-checked on every state change; rejects on timeout. */
  waitFor<T>(fn: () => T, options: WaitForOptions = {}) {
    return waitFor(this.ctx.state, fn, options, () => {
      const errs = this.errors
        .slice(-5)
        .map((e) => `  ${e.method} ${e.path} -> ${e.status} ${e.code} ${e.message}`)
        .join("\n");
      const reqs = this.requests
        .slice(-5)
        .map((r) => `  ${r.method} ${r.path} -> ${r.status ?? "pending"}`)
        .join("\n");
      return `recent requests:\n${reqs || "  (none)"}\nrecent errors:\n${errs || "  (none)"}\nconnected sessions: ${this.gateway.connectedSessions}`;
    });
  }

  // ---- fault injection ----
  archiveThread(id: string, opts: { locked?: boolean } = {}): void {
    setThreadState(this.ctx, this.requireChannel(id), {
      archived: true,
      ...(opts.locked !== undefined ? { locked: opts.locked } : {}),
    });
  }

  unarchiveThread(id: string): void {
    setThreadState(this.ctx, this.requireChannel(id), { archived: false });
  }

  /** Locks a thread (without archiving); only MANAGE_THREADS holders may post. */
  lockThread(id: string, locked = true): void {
    setThreadState(this.ctx, this.requireChannel(id), { locked });
  }

  deleteChannel(id: string): void {
    deleteChannelRecord(this.ctx, this.requireChannel(id));
  }

  /** Deletes a message as a moderator would (dispatches MESSAGE_DELETE). */
  deleteMessage(id: string): void {
    const m = this.ctx.state.messages.get(id);
    if (!m) throw new Error(`fake discord: unknown message ${id}`);
    deleteMessage(this.ctx, m);
  }

  /** Sets the bot's exact permissions in a channel (null = guild default); dispatches CHANNEL_UPDATE. */
  setBotPermissions(channelId: string, bits: bigint | null): void {
    const c = this.requireChannel(channelId);
    if (c.thread || !c.guildId)
      throw new Error("fake discord: set permissions on the parent channel (threads inherit)");
    c.botPermissions = bits;
    this.ctx.gateway.dispatch("CHANNEL_UPDATE", channelJson(this.ctx, c), { guildId: c.guildId, intent: 1 });
    this.ctx.state.changed();
  }

  /** Sets the permissions of the bot's managed role in a guild; dispatches GUILD_ROLE_UPDATE. */
  setGuildBotPermissions(guildId: string, bits: bigint): void {
    const g = this.ctx.state.guilds.get(guildId);
    if (!g) throw new Error(`fake discord: unknown guild ${guildId}`);
    updateRole(this.ctx, g, g.botRoleId, bits);
  }

  /** Makes the next `times` requests matching `path` (and `method`) fail with `status`. */
  injectFault(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.times ?? 1 });
  }

  /** Replaces a rate-limit rule at runtime, e.g. `setRateLimit("POST /channels/:channel_id/messages", { limit: 1, windowMs: 500 })`. */
  setRateLimit(routeKey: string, rule: RateLimitRule | false): void {
    this.limiter.setRule(routeKey, rule);
  }

  /** Closes gateway connections with `code` (default 4000: clients resume); `invalidate` ends sessions. */
  disconnectGateway(opts: { code?: number; invalidate?: boolean } = {}): void {
    this.gateway.disconnect(opts.code ?? 4000, opts.invalidate ?? false);
  }

  /** Sends op 7 RECONNECT. */
  requestGatewayReconnect(): void {
    this.gateway.requestReconnect();
  }

  /** Sends op 9 INVALID_SESSION with d = resumable. */
  invalidateGatewaySessions(resumable = false): void {
    this.gateway.invalidateSessions(resumable);
  }

  /** Stops the server and drops every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private requireChannel(id: string) {
    const c = this.ctx.state.liveChannel(id);
    if (!c) throw new Error(`fake discord: unknown channel ${id}`);
    return c;
  }
}
