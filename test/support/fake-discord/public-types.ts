import type { Attachment, InteractionResponseRecord, JsonObject, MessageSnapshot } from "./types.js";

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
  attachments: Attachment[];
  flags: number;
  ephemeral: boolean;
  /** A deferred ("thinking…") response not yet edited. */
  loading: boolean;
  edits: number;
  editHistory: MessageSnapshot[];
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
  responses: InteractionResponseRecord[];
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
