import type { InteractionResponseRecord, JsonObject } from "./types.js";

/** Public (test-facing) views of the fake's state. All are snapshots: copies taken when read. */

/** Public view of a user. */
export interface FakeUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

/** Public view of a guild. */
export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  everyoneRoleId: string;
  botRoleId: string;
}

/** Public view (snapshot) of a channel or thread. */
export interface FakeChannel {
  id: string;
  type: number;
  name: string | null;
  guildId: string | null;
  parentId: string | null;
  topic: string | null;
  /** Effective bot permissions in the channel (threads: the parent's). */
  botPermissions: bigint;
  lastMessageId: string | null;
  recipientId: string | null;
  deleted: boolean;
  archived: boolean;
  locked: boolean;
  ownerId: string | null;
  autoArchiveDuration: number | null;
  messageCount: number | null;
  memberCount: number | null;
}

/** Public view of a file attached to a message (uploaded as multipart `files[n]`). */
export interface FakeAttachment {
  id: string;
  /** The `attachments[].filename` of payload_json, else the multipart part's filename. */
  filename: string;
  title: string | null;
  description: string | null;
  /**
   * What Discord reports as content_type: the sniffed image type (PNG/GIF/JPEG/WebP), else the
   * declared part type, else a guess from the extension; text types get "; charset=utf-8"; null
   * when unknown.
   */
  contentType: string | null;
  size: number;
  /** The uploaded bytes (a copy). */
  data: Buffer;
  /** Image dimensions read from the file header (e.g. a PNG's IHDR), else null. */
  width: number | null;
  height: number | null;
  /** The CDN url the API reports (ephemeral-attachments/… for ephemeral messages). */
  url: string;
  /**
   * An embed of the message uses it as `attachment://filename`: Discord then shows it inside the
   * embed and leaves it out of the message object's `attachments` (it is still listed here).
   */
  inEmbed: boolean;
}

/** A message's state before one of its edits. */
export interface FakeMessageSnapshot {
  /** When it was replaced (ms since epoch). */
  at: number;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  attachments: FakeAttachment[];
  flags: number;
}

/** Public view (snapshot) of a message. */
export interface FakeMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  author: FakeUser;
  type: number;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  /** Every file on the message, with its bytes (including those an embed shows). */
  attachments: FakeAttachment[];
  flags: number;
  ephemeral: boolean;
  /** A deferred ("thinking…") response not yet edited. */
  loading: boolean;
  edits: number;
  editHistory: FakeMessageSnapshot[];
  threadId: string | null;
  interactionId: string | null;
  webhookId: string | null;
  nonce: string | number | null;
  messageReference: JsonObject | null;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
}

/** Public view (snapshot) of an interaction and what the bot did with it. */
export interface FakeInteraction {
  id: string;
  token: string;
  type: number;
  commandName: string | null;
  customId: string | null;
  channelId: string;
  guildId: string | null;
  userId: string;
  dispatchedAt: number;
  acknowledged: boolean;
  /** Milliseconds from dispatch to the initial callback, or null. */
  acknowledgedAfterMs: number | null;
  deferred: boolean;
  ephemeral: boolean;
  /** The callbacks received (type 4 reply, 5 deferred reply, 6 deferred update, 7 update, …). */
  responses: InteractionResponseRecord[];
  /**
   * The response message: the reply (types 4/5, ephemeral or not), or for component interactions
   * answered with 6/7 the message the component is on (as edited).
   */
  originalMessage: FakeMessage | undefined;
  followups: FakeMessage[];
  tokenExpired: boolean;
}

/** What invokeCommand / invokeComponent return. */
export interface InvokedInteraction {
  id: string;
  token: string;
  payload: JsonObject;
}
