import { EventEmitter } from "node:events";
import type {
  ChannelRecord,
  CommandRecord,
  DispatchRecord,
  ErrorRecord,
  GuildRecord,
  IdentifyRecord,
  InteractionRecord,
  JsonObject,
  MessageRecord,
  RateLimitHit,
  RequestRecord,
  ResolvedOptions,
  UnsafeMention,
  UserRecord,
} from "./types.js";

/** Everything the fake knows, plus the logs tests inspect. Emits "change" on every mutation. */
export class FakeState extends EventEmitter {
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  /** channel id -> message ids in creation order */
  readonly channelMessages = new Map<string, string[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  readonly commands = new Map<string, CommandRecord>();
  /** channel id -> when the bot last sent there (slowmode). */
  readonly slowmodeSends = new Map<string, number>();

  readonly errors: ErrorRecord[] = [];
  readonly rateLimitHits: RateLimitHit[] = [];
  readonly unsafeMentions: UnsafeMention[] = [];
  readonly identifies: IdentifyRecord[] = [];
  readonly requests: RequestRecord[] = [];
  readonly dispatches: DispatchRecord[] = [];

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  /** Signal that something changed (waitFor re-checks its predicate). */
  changed(): void {
    this.emit("change");
  }

  addMessage(message: MessageRecord): void {
    this.messages.set(message.id, message);
    const list = this.channelMessages.get(message.channelId) ?? [];
    list.push(message.id);
    this.channelMessages.set(message.channelId, list);
  }

  messagesIn(channelId: string): MessageRecord[] {
    const ids = this.channelMessages.get(channelId) ?? [];
    const out: MessageRecord[] = [];
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m) out.push(m);
    }
    return out;
  }

  liveChannel(id: string): ChannelRecord | undefined {
    const c = this.channels.get(id);
    return c && !c.deleted ? c : undefined;
  }
}

/** Sends gateway dispatches to the sessions that should receive them. */
export interface Dispatcher {
  dispatch(event: string, data: JsonObject, scope: DispatchScope): void;
  /** Identified sessions that are connected or resumable. */
  readonly liveSessions: number;
}

export interface DispatchScope {
  /** Guild the event belongs to (shard routing); null for DMs/global. */
  guildId: string | null;
  /** Gateway intent bit required to receive the event; null = always sent. */
  intent: number | null;
  /** For message events: lets the gateway blank content for sessions without MESSAGE_CONTENT. */
  messageContent?: { authorId: string; mentionsBot: boolean; isDm: boolean } | undefined;
}

export interface AppIdentity {
  id: string;
  botUserId: string;
  token: string;
}

/** What route handlers and helpers share. */
export interface FakeContext {
  state: FakeState;
  options: ResolvedOptions;
  gateway: Dispatcher;
  app: AppIdentity;
}
