/** Shared record and view types of the fake Discord server. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Per-bucket rule: at most `limit` requests per `windowMs` (a fixed window, as Discord's buckets are). */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/**
 * Rate-limit configuration. Route keys are `"METHOD /template"`, e.g.
 * `"POST /channels/:channel_id/messages"`; `false` disables a limit.
 */
export interface RateLimitOptions {
  global?: RateLimitRule | false | undefined;
  routes?: Record<string, RateLimitRule | false> | undefined;
  /** Rule for routes not listed in `routes`. */
  defaultRoute?: RateLimitRule | false | undefined;
}

/** Options of {@link FakeDiscord.start}; all optional. */
export interface FakeDiscordOptions {
  /** Time allowed between INTERACTION_CREATE and the initial callback (Discord: 3 s). */
  interactionDeadlineMs?: number | undefined;
  /** Lifetime of interaction tokens for follow-ups and edits (Discord: 15 min). */
  tokenLifetimeMs?: number | undefined;
  /** HELLO heartbeat_interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number | undefined;
  rateLimits?: RateLimitOptions | undefined;
  /** Window in which `enforce_nonce` de-duplicates message creates (Discord: "a few minutes"). */
  nonceWindowMs?: number | undefined;
  /**
   * What a send in an archived, unlocked thread does: `"unarchive"` (Discord's documented
   * behaviour) or `"reject"` with 50083.
   */
  archivedThreadSend?: "unarchive" | "reject" | undefined;
  /** Privileged intents the application has enabled in the developer portal (default none). */
  allowedPrivilegedIntents?: number | undefined;
  /** Throw from invokeCommand when the command was never registered (default false). */
  strictCommands?: boolean | undefined;
  botUsername?: string | undefined;
  /**
   * Largest file a message may carry, in bytes (Discord: 10 MiB without boosts; also sent to the bot
   * as `attachment_size_limit` in interactions). Larger uploads get 413 40005.
   */
  attachmentSizeLimit?: number | undefined;
  /** Largest total upload of one request, in bytes (Discord: 25 MiB). Larger gets 413 40005. */
  uploadRequestLimit?: number | undefined;
  /** Active (unarchived) threads a guild may have; one more is 400 160006 (Discord: 1000). */
  maxActiveThreads?: number | undefined;
  /** Added to every REST response, as a distant or slow Discord would (default 0; see setLatency). */
  latencyMs?: number | undefined;
}

export interface ResolvedOptions {
  interactionDeadlineMs: number;
  tokenLifetimeMs: number;
  heartbeatIntervalMs: number;
  rateLimits: RateLimitOptions;
  nonceWindowMs: number;
  archivedThreadSend: "unarchive" | "reject";
  allowedPrivilegedIntents: number;
  strictCommands: boolean;
  botUsername: string;
  attachmentSizeLimit: number;
  uploadRequestLimit: number;
  maxActiveThreads: number;
  latencyMs: number;
}

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  botId: string | null;
}

export interface MemberRecord {
  userId: string;
  roles: string[];
  joinedAt: string;
  nick: string | null;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  botRoleId: string;
  roles: Map<string, RoleRecord>;
  members: Map<string, MemberRecord>;
  joinedAt: string;
  deleted: boolean;
}

export interface ThreadMeta {
  ownerId: string;
  archived: boolean;
  locked: boolean;
  invitable: boolean;
  autoArchiveDuration: number;
  archiveTimestamp: string;
  createTimestamp: string;
  memberIds: Set<string>;
  messageCount: number;
  totalMessageSent: number;
}

export interface ChannelRecord {
  id: string;
  type: number;
  name: string | null;
  guildId: string | null;
  parentId: string | null;
  position: number;
  topic: string | null;
  nsfw: boolean;
  rateLimitPerUser: number;
  lastMessageId: string | null;
  /** Explicit bot permissions (a member overwrite); null = guild-level permissions. */
  botPermissions: bigint | null;
  recipientIds: string[];
  thread: ThreadMeta | null;
  deleted: boolean;
  /** A DM whose user does not accept messages from the bot: sends are 403 50007. */
  dmClosed?: boolean;
}

/** A file stored on a message (uploaded as `files[n]`, described by `attachments[]` in payload_json). */
export interface AttachmentRecord {
  id: string;
  filename: string;
  title: string | null;
  description: string | null;
  /** What Discord reports as content_type (sniffed for images, else the declared type), or null. */
  contentType: string | null;
  size: number;
  data: Buffer;
  /** Image dimensions (PNG, GIF, JPEG and WebP are read), else null. */
  width: number | null;
  height: number | null;
}

export interface MessageSnapshot {
  at: number;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  attachments: AttachmentRecord[];
  flags: number;
}

export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  webhookId: string | null;
  applicationId: string | null;
  type: number;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  attachments: AttachmentRecord[];
  flags: number;
  tts: boolean;
  nonce: string | number | null;
  createdAt: number;
  editedAt: number | null;
  history: MessageSnapshot[];
  threadId: string | null;
  interactionId: string | null;
  /** Index within a thread (threads only). */
  position: number | null;
  messageReference: JsonObject | null;
  mentionUserIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
  deleted: boolean;
}

export interface InteractionResponseRecord {
  type: number;
  data: unknown;
  at: number;
  /** Milliseconds after the INTERACTION_CREATE dispatch. */
  afterMs: number;
  withResponse: boolean;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  commandName: string | null;
  customId: string | null;
  guildId: string | null;
  channelId: string;
  userId: string;
  /** The message a component was clicked on. */
  sourceMessageId: string | null;
  dispatchedAt: number;
  deadlineMs: number;
  tokenExpiresAt: number;
  responses: InteractionResponseRecord[];
  originalMessageId: string | null;
  followupIds: string[];
  deferred: boolean;
  ephemeral: boolean;
  payload: JsonObject;
}

export interface CommandRecord {
  id: string;
  guildId: string | null;
  name: string;
  type: number;
  json: JsonObject;
}

/** One error response the fake sent. */
export interface ErrorRecord {
  status: number;
  code: number;
  method: string;
  path: string;
  message: string;
  errors?: unknown;
  /** A fault from injectFault rather than a rule violation. */
  injected?: boolean;
  at: number;
}

/** One 429 the fake sent. `retryAfter` is in seconds, as in the body. */
export interface RateLimitHit {
  method: string;
  path: string;
  route: string;
  bucket: string;
  majorParameter: string;
  retryAfter: number;
  global: boolean;
  at: number;
}

export type MentionKind = "everyone" | "here" | "user" | "role" | "replied_user";

export interface FoundMention {
  kind: MentionKind;
  id: string | null;
  raw: string;
  location: "content" | "embed" | "reply";
}

/** A create/edit/callback whose content could ping someone. */
export interface UnsafeMention {
  source: "message.create" | "message.edit" | "webhook.execute" | "webhook.edit" | "interaction.callback";
  method: string;
  path: string;
  channelId: string;
  messageId: string | null;
  mentions: FoundMention[];
  allowedMentions: unknown;
  at: number;
}

/** A file part of a multipart request (`files[n]`), as received. */
export interface UploadedFile {
  /** The form field name, e.g. "files[0]". */
  field: string;
  /** The part's filename ("" when the part had none). */
  name: string;
  size: number;
  /** The part's Content-Type ("" when none). */
  contentType: string;
  data: Buffer;
}

/** What the request log keeps of an uploaded file (no bytes). */
export type UploadedFileInfo = Omit<UploadedFile, "data">;

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  route: string | null;
  body: unknown;
  files: UploadedFileInfo[];
  authorized: boolean;
  at: number;
  status: number | null;
}

export interface IdentifyRecord {
  token: string;
  intents: number;
  properties: unknown;
  shard: [number, number] | null;
  compress: boolean;
  at: number;
}

export interface DispatchRecord {
  t: string;
  s: number;
  d: unknown;
  sessionId: string;
  at: number;
}

/** A scripted fault for {@link FakeDiscord.injectFault}. */
export interface FaultSpec {
  method?: string | undefined;
  path: RegExp;
  status: 500 | 502 | 503 | 504 | 429;
  /** How many matching requests fail (default 1). */
  times?: number | undefined;
  /** Delay before the fault response, to simulate slowness. */
  delayMs?: number | undefined;
  /**
   * Instead of failing: handle the request normally but answer only after this many ms (`status` is
   * ignored), as when Discord did the work and the answer came back too late for the client.
   */
  respondLateMs?: number | undefined;
  /** Retry-After (seconds) for 429 faults (default 0.1). */
  retryAfter?: number | undefined;
  /** For 429 faults: pretend it is the global limit. */
  global?: boolean | undefined;
}
