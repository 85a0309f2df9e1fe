import { createHash } from "node:crypto";
import { DiscordAPIError, MessageFlags, Routes, type REST } from "discord.js";

/** How many message requests (creates and edits together) a channel may receive per window. */
export interface ChannelBudget {
  requests: number;
  perMs: number;
  /** Requests per window that streaming leaves free, so a final or Stop edit never waits for the window. */
  reserve: number;
}

/** Defaults to 5 requests per 5 s per channel, 2 of them kept for final edits (Discord allows about 5 per 5 s). */
export const DEFAULT_CHANNEL_BUDGET: ChannelBudget = { requests: 5, perMs: 5_000, reserve: 2 };

/** Message options on every create and edit: nothing pings, links do not unfurl. */
export const SAFE_MESSAGE = { allowed_mentions: { parse: [] }, flags: MessageFlags.SuppressEmbeds } as const;

/** A file attached to a message. */
export interface MessageFile {
  name: string;
  data: Buffer;
  contentType: string;
}

/** What the last message of a post may carry besides its text. */
export interface MessageExtras {
  components?: readonly unknown[];
  files?: readonly MessageFile[];
}

/** What a post shows at one moment. Rendered only when a request is about to be sent. */
export interface PostView {
  /** The text of each message, in order (at least one); the status goes under the last. */
  pieces: readonly string[];
  /** The line(s) under the last piece. */
  status: string;
  /**
   * A finished post whose later messages are not posted yet: the line under the last one posted (e.g. who
   * pressed Stop), so the end shows at once. Without it, that message shows its piece alone.
   */
  pending?: string;
  /** On the last message. */
  extras?: MessageExtras;
  /** Nothing to show yet: the first message waits for text (or for `emptyAfterMs`). */
  empty?: boolean;
}

/** Text for a message an earlier attempt posted that the final answer no longer needs. */
export const UNNEEDED_MESSAGE = "-# (this part was not needed when the answer was generated again)";

export interface PostOptions {
  channelId: string;
  /** What the post shows now; called when a request is about to be sent, not on every change. */
  render: () => PostView;
  /** Messages an earlier attempt posted for it, in order. */
  messageIds?: readonly string[];
  /** Stable per post: creates carry a nonce derived from it, so a retried create never duplicates. */
  nonceKey: string;
  /** Told the message ids whenever one is added (to persist them). */
  onIds?: (ids: readonly string[]) => void;
  /** Told when a request of a post that is still streaming fails for good (its place is gone, say). */
  onError?: (error: unknown) => void;
  /** A post whose first message must come first (display order). */
  after?: Post;
  /** How long an empty post waits for text before its first message shows anyway. Defaults to 1500 ms. */
  emptyAfterMs?: number;
}

/** How often a final request is tried when Discord fails it with a server error. */
const FINAL_ATTEMPTS = 3;

type OpClass = "final" | "first" | "stream";

interface Op {
  post: Post;
  cls: OpClass;
  /** The message index: an edit of an existing message, or the create of the next one. */
  index: number;
  create: boolean;
  content: string;
  extras: MessageExtras | undefined;
  signature: string;
}

interface ChannelState {
  posts: Post[];
  sentAt: number[];
  busy: boolean;
  timer: NodeJS.Timeout | null;
}

interface Settler {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The part of a channel's output that one side (or a footer) owns: one or more messages in order. */
export class Post {
  readonly ids: string[];
  /** What Discord holds for each message, as last sent (undefined: unknown, e.g. from an earlier attempt). */
  readonly sent: (string | undefined)[];
  readonly openedAt = Date.now();
  finalAt: number | null = null;
  /** The message that shows a finished post's pending line: the last one posted when it finished. */
  notice: number | null = null;
  lastRequestAt = 0;
  failures = 0;
  retryAt = 0;
  error: Error | null = null;
  dropped = false;
  settlers: Settler[] = [];

  constructor(
    private readonly scheduler: MessageScheduler,
    readonly options: PostOptions,
  ) {
    this.ids = [...(options.messageIds ?? [])];
    this.sent = this.ids.map(() => undefined);
  }

  /** The message ids the post uses now. */
  get messageIds(): readonly string[] {
    return this.ids;
  }

  get final(): boolean {
    return this.finalAt !== null;
  }

  /** Something changed: a request soon shows the newest view. */
  changed(): void {
    this.scheduler.poke(this);
  }

  /** The view is final: resolves once every message shows it, rejects if Discord refuses it for good. */
  finish(): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    if (this.dropped) return Promise.reject(new Error("post dropped"));
    if (this.finalAt === null) {
      this.finalAt = Date.now();
      this.notice = this.ids.length > 0 ? this.ids.length - 1 : null;
    }
    this.failures = 0;
    this.retryAt = 0;
    const settled = new Promise<void>((resolve, reject) => this.settlers.push({ resolve, reject }));
    this.scheduler.poke(this);
    return settled;
  }

  /** Sends nothing more for this post (an attempt that ends without finishing it). */
  drop(): void {
    this.scheduler.remove(this, new Error("post dropped"));
    this.dropped = true;
  }
}

/** A message's content with its status line(s). */
function withStatus(piece: string, status: string | undefined): string {
  return status === undefined || status === "" ? piece : `${piece}\n${status}`;
}

/**
 * What message `index` should hold when `count` messages of the post exist. The status goes under the last
 * piece only; a finished post whose last piece is not posted yet shows `pending` under the message that was
 * last when it finished (`notice`), until the last piece is posted.
 */
function contentAt(view: PostView, index: number, count: number, notice: number | null): string {
  const last = view.pieces.length - 1;
  const piece = view.pieces[index];
  if (piece === undefined) return UNNEEDED_MESSAGE;
  if (index === last) return withStatus(piece, view.status);
  if (index === notice && count <= last) return withStatus(piece, view.pending);
  return piece;
}

function signatureOf(content: string, extras: MessageExtras | undefined): string {
  if (!extras) return content;
  const files = (extras.files ?? []).map((f) => `${f.name}:${f.data.length}`).join(",");
  return `${content}\u0000${JSON.stringify(extras.components ?? null)}\u0000${files}`;
}

/** Discord answers that no retry can fix (4xx but 429). */
export function isRefusal(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/**
 * Writes posts into channels within each channel's budget. Every create and edit of a channel counts against
 * one budget; streaming uses what the reserve leaves, paced evenly, so a final or Stop edit goes out at once.
 * One request is in flight per channel, and it always carries the newest view of its post: text is rendered
 * when it is sent, never queued stale. Posts appear in the order their `after` links give.
 */
export class MessageScheduler {
  private readonly channels = new Map<string, ChannelState>();
  private closed = false;

  constructor(
    private readonly rest: REST,
    private readonly budget: ChannelBudget = DEFAULT_CHANNEL_BUDGET,
    /** Told when a streaming request fails for a passing reason (it is replaced by the next one). */
    private readonly onTransientFailure: (failure: { channelId: string; error: unknown }) => void = () => {},
  ) {}

  /** Opens a post in a channel. */
  open(options: PostOptions): Post {
    const post = new Post(this, options);
    if (this.closed) {
      post.error = new Error("message scheduler closed");
      return post;
    }
    this.state(options.channelId).posts.push(post);
    return post;
  }

  /** Drops every post of a channel (their finishes reject): the place is gone. */
  discard(channelId: string): void {
    const state = this.channels.get(channelId);
    if (!state) return;
    for (const post of [...state.posts]) this.remove(post, new Error("channel discarded"));
  }

  /** Stops all timers; unfinished posts are dropped and their finishes rejected. */
  close(): void {
    this.closed = true;
    for (const state of this.channels.values()) {
      if (state.timer) clearTimeout(state.timer);
      for (const post of [...state.posts]) this.remove(post, new Error("message scheduler closed"));
    }
  }

  /** @internal */
  poke(post: Post): void {
    if (this.closed || post.dropped || post.error !== null) return;
    const state = this.state(post.options.channelId);
    if (!state.posts.includes(post)) state.posts.push(post);
    this.pump(post.options.channelId, state);
  }

  /** @internal Removes a post, rejecting its finish with `error`. */
  remove(post: Post, error: unknown): void {
    const state = this.channels.get(post.options.channelId);
    if (state) state.posts = state.posts.filter((p) => p !== post);
    for (const settler of post.settlers.splice(0)) settler.reject(error);
  }

  private state(channelId: string): ChannelState {
    let state = this.channels.get(channelId);
    if (!state) {
      state = { posts: [], sentAt: [], busy: false, timer: null };
      this.channels.set(channelId, state);
    }
    return state;
  }

  private wake(channelId: string, state: ChannelState, wait: number): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      this.pump(channelId, state);
    }, wait);
  }

  /** How long a request of class `cls` must wait for the channel's budget. */
  private waitFor(state: ChannelState, cls: OpClass, now: number): number {
    const { requests, perMs, reserve } = this.budget;
    const allowed = cls === "final" ? requests : Math.max(1, requests - reserve);
    const used = state.sentAt.length;
    const slotFree = used < allowed ? 0 : perMs - (now - (state.sentAt[used - allowed] ?? now));
    const last = state.sentAt.at(-1);
    const paced = cls !== "stream" || last === undefined ? 0 : perMs / requests - (now - last);
    return Math.max(0, slotFree, paced);
  }

  /** The next request a post needs, if any; `now` decides whether an empty post shows yet. */
  private opFor(post: Post, view: PostView, now: number, cls: OpClass): Op | "later" | null {
    const count = post.ids.length;
    const final = post.final;
    const notice = final ? post.notice : null;
    const edit = (index: number): Op | null => {
      const content = contentAt(view, index, count, notice);
      const extras = index === view.pieces.length - 1 ? view.extras : undefined;
      const signature = signatureOf(content, extras);
      return post.sent[index] === signature ? null : { post, cls, index, create: false, content, extras, signature };
    };
    const create = (): Op | null => {
      if (count >= view.pieces.length) return null;
      const content = contentAt(view, count, count + 1, notice);
      const extras = count === view.pieces.length - 1 ? view.extras : undefined;
      const signature = signatureOf(content, extras);
      return {
        post,
        cls: count === 0 && cls === "stream" ? "first" : cls,
        index: count,
        create: true,
        content,
        extras,
        signature,
      };
    };
    if (count === 0 && !final && view.empty) {
      const due = post.openedAt + (post.options.emptyAfterMs ?? 1_500);
      if (now < due) return "later";
    }
    // First the message that shows the end (a finished post) or whose text is growing, then the next message.
    const lead = final ? notice : count > 0 ? count - 1 : null;
    const order = [() => (lead === null ? null : edit(lead)), create];
    for (const next of order) {
      const op = next();
      if (op) return op;
    }
    for (let index = 0; index < count; index++) {
      const op = edit(index);
      if (op) return op;
    }
    return null;
  }

  /** The first post in `after` order without a message: its first message has to come before `post`'s. */
  private firstUnposted(post: Post): Post {
    const before = post.options.after;
    if (!before || before.ids.length > 0 || before.dropped || before.error !== null) return post;
    return this.firstUnposted(before);
  }

  /** Picks the next request of a channel: finals first (oldest first), then first messages, then streaming. */
  private nextOp(state: ChannelState, now: number): { op: Op | null; recheckAt: number | null } {
    let recheckAt: number | null = null;
    const candidates: Op[] = [];
    for (const post of state.posts) {
      if (post.retryAt > now) {
        recheckAt = Math.min(recheckAt ?? Infinity, post.retryAt);
        continue;
      }
      const view = post.options.render();
      const cls: OpClass = post.final ? "final" : "stream";
      const op = this.opFor(post, view, now, cls);
      if (op === "later") {
        recheckAt = Math.min(recheckAt ?? Infinity, post.openedAt + (post.options.emptyAfterMs ?? 1_500));
        continue;
      }
      if (op === null) {
        if (post.final) this.settle(state, post);
        continue;
      }
      if (op.create && op.index === 0) {
        const first = this.firstUnposted(post);
        if (first !== post) {
          const forced = this.opFor(first, first.options.render(), Infinity, first.final ? "final" : "stream");
          if (forced && forced !== "later") candidates.push({ ...forced, cls: op.cls });
          continue;
        }
      }
      candidates.push(op);
    }
    const rank = { final: 0, first: 1, stream: 2 } as const;
    candidates.sort(
      (a, b) =>
        rank[a.cls] - rank[b.cls] ||
        (a.cls === "final"
          ? (a.post.finalAt ?? 0) - (b.post.finalAt ?? 0)
          : a.cls === "first"
            ? a.post.openedAt - b.post.openedAt
            : a.post.lastRequestAt - b.post.lastRequestAt),
    );
    return { op: candidates[0] ?? null, recheckAt };
  }

  private settle(state: ChannelState, post: Post): void {
    state.posts = state.posts.filter((p) => p !== post);
    for (const settler of post.settlers.splice(0)) settler.resolve();
  }

  private pump(channelId: string, state: ChannelState): void {
    if (state.busy || this.closed) return;
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    const now = Date.now();
    state.sentAt = state.sentAt.filter((at) => now - at < this.budget.perMs);
    const { op, recheckAt } = this.nextOp(state, now);
    if (op === null) {
      if (recheckAt !== null) this.wake(channelId, state, Math.max(0, recheckAt - now));
      else if (state.posts.length === 0) this.forgetLater(channelId, state, now);
      return;
    }
    const wait = this.waitFor(state, op.cls, now);
    if (wait > 0) {
      this.wake(channelId, state, Math.min(wait, recheckAt === null ? wait : Math.max(0, recheckAt - now)));
      return;
    }
    state.busy = true;
    state.sentAt.push(now);
    op.post.lastRequestAt = now;
    this.send(channelId, op)
      .then(
        (id) => {
          const { post } = op;
          if (op.create) {
            post.ids[op.index] = id;
            post.options.onIds?.(post.ids);
          }
          post.sent[op.index] = op.signature;
          post.failures = 0;
        },
        (error: unknown) => this.failed(op, error),
      )
      .finally(() => {
        state.busy = false;
        this.pump(channelId, state);
      });
  }

  /** Forgets an idle channel once its window has passed, so state does not grow with every thread. */
  private forgetLater(channelId: string, state: ChannelState, now: number): void {
    const oldest = state.sentAt[0];
    if (oldest === undefined) {
      this.channels.delete(channelId);
      return;
    }
    this.wake(channelId, state, this.budget.perMs - (now - oldest));
    state.timer?.unref();
  }

  private failed(op: Op, error: unknown): void {
    const { post } = op;
    if (post.dropped || post.error !== null) return;
    if (isRefusal(error)) {
      // The place is gone or the request can never succeed: nothing more is sent for this post.
      post.error = asError(error);
      const streaming = !post.final;
      this.remove(post, error);
      if (streaming) post.options.onError?.(error);
      return;
    }
    if (!post.final) {
      // A lost streaming request: the next one carries newer text anyway.
      this.onTransientFailure({ channelId: post.options.channelId, error });
      return;
    }
    post.failures += 1;
    if (post.failures >= FINAL_ATTEMPTS) {
      post.error = asError(error);
      this.remove(post, error);
      return;
    }
    post.retryAt = Date.now() + 1_000 * post.failures;
  }

  private async send(channelId: string, op: Op): Promise<string> {
    const files = op.extras?.files ?? [];
    const body = {
      content: op.content,
      ...SAFE_MESSAGE,
      ...(op.extras?.components ? { components: op.extras.components } : {}),
      ...(files.length > 0 ? { attachments: files.map((file, id) => ({ id, filename: file.name })) } : {}),
    };
    const upload =
      files.length > 0 ? { files: files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) } : {};
    if (op.create) {
      const nonce = nonceFor(op.post.options.nonceKey, op.index);
      const message = (await this.rest.post(Routes.channelMessages(channelId), {
        body: { ...body, nonce, enforce_nonce: true },
        ...upload,
      })) as { id: string };
      return message.id;
    }
    const id = op.post.ids[op.index] ?? "";
    await this.rest.patch(Routes.channelMessage(channelId, id), { body, ...upload });
    return id;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A create's nonce: Discord nonces are at most 25 characters. */
function nonceFor(key: string, index: number): string {
  return createHash("sha256").update(`${key}:${index}`).digest("base64url").slice(0, 25);
}
