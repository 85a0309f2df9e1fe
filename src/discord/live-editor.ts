import { MessageFlags, Routes, type REST } from "discord.js";

/** How many edits a channel may receive per window; Discord allows about 5 per 5 s per channel. */
export interface EditBudget {
  requests: number;
  perMs: number;
}

/** Defaults to 5 edits per 5 s per channel. */
export const DEFAULT_EDIT_BUDGET: EditBudget = { requests: 5, perMs: 5_000 };

/** Requests per window that streaming edits leave free for final edits (one per side of a pair). */
const FINAL_RESERVE = 2;

/** Message options on every create and edit: nothing pings, links do not unfurl. */
export const SAFE_MESSAGE = { allowed_mentions: { parse: [] }, flags: MessageFlags.SuppressEmbeds } as const;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Pending {
  content: string;
  waiters: Waiter[];
}

interface ChannelState {
  pending: Map<string, Pending>;
  lastSent: Map<string, string>;
  sentAt: number[];
  busy: boolean;
  timer: NodeJS.Timeout | null;
}

/** What a created message may carry besides its text. */
export interface MessageExtras {
  components?: readonly unknown[];
  files?: readonly { name: string; data: Buffer; contentType: string }[];
}

/** Told when a streaming (not final) edit fails, so the generation behind it can stop. */
export type EditFailureHandler = (failure: { channelId: string; messageId: string; error: unknown }) => void;

/**
 * Coalesces live edits per channel: at most one request in flight per channel, sent within the
 * channel's budget, and always with the newest text, so an edit never waits behind stale text.
 * {@link LiveEditor.settle} makes sure a message's final text lands.
 */
export class LiveEditor {
  private readonly channels = new Map<string, ChannelState>();
  private closed = false;

  constructor(
    private readonly rest: REST,
    private readonly budget: EditBudget = DEFAULT_EDIT_BUDGET,
    private readonly onFailure: EditFailureHandler = () => {},
  ) {}

  /** Shows `content` in the message soon; newer content replaces any not yet sent. */
  update(channelId: string, messageId: string, content: string): void {
    this.enqueue(channelId, messageId, content, null);
  }

  /** Makes `content` the message's text; resolves once Discord has it, rejects if it cannot land. */
  settle(channelId: string, messageId: string, content: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(channelId, messageId, content, { resolve, reject }));
  }

  /**
   * Creates a message with the safe options; `nonce` makes a retried create return the same message.
   * `extra` adds components (buttons) and files (uploaded as attachments).
   */
  async create(channelId: string, content: string, nonce?: string, extra: MessageExtras = {}): Promise<string> {
    const files = extra.files ?? [];
    const body = {
      content,
      ...SAFE_MESSAGE,
      ...(nonce ? { nonce, enforce_nonce: true } : {}),
      ...(extra.components ? { components: extra.components } : {}),
      ...(files.length > 0 ? { attachments: files.map((file, id) => ({ id, filename: file.name })) } : {}),
    };
    const message = (await this.rest.post(Routes.channelMessages(channelId), {
      body,
      ...(files.length > 0
        ? { files: files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) }
        : {}),
    })) as { id: string };
    this.state(channelId).lastSent.set(message.id, content);
    return message.id;
  }

  /** Drops every update not yet sent to a channel (its settles are rejected): the place is gone. */
  discard(channelId: string): void {
    const state = this.channels.get(channelId);
    if (!state) return;
    for (const pending of state.pending.values()) {
      for (const waiter of pending.waiters) waiter.reject(new Error("channel discarded"));
    }
    state.pending.clear();
  }

  /** Stops all timers; pending updates are dropped and pending settles rejected. */
  close(): void {
    this.closed = true;
    for (const state of this.channels.values()) {
      if (state.timer) clearTimeout(state.timer);
      for (const pending of state.pending.values()) {
        for (const waiter of pending.waiters) waiter.reject(new Error("live editor closed"));
      }
      state.pending.clear();
    }
  }

  private state(channelId: string): ChannelState {
    let state = this.channels.get(channelId);
    if (!state) {
      state = { pending: new Map(), lastSent: new Map(), sentAt: [], busy: false, timer: null };
      this.channels.set(channelId, state);
    }
    return state;
  }

  /** Pumps the channel again after `wait` ms (unless something else pumps it first). */
  private wake(channelId: string, state: ChannelState, wait: number): NodeJS.Timeout {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      this.pump(channelId, state);
    }, wait);
    return state.timer;
  }

  /**
   * How long an edit must wait for the channel's budget. A final edit may use the whole budget; a
   * streaming edit leaves {@link FINAL_RESERVE} requests free for finals and keeps an even pace
   * (one per `perMs / requests`), so streaming never delays the end of an answer.
   */
  private waitFor(state: ChannelState, final: boolean, now: number): number {
    const { requests, perMs } = this.budget;
    const allowed = final ? requests : Math.max(1, requests - FINAL_RESERVE);
    const used = state.sentAt.length;
    const slotFree = used < allowed ? 0 : perMs - (now - (state.sentAt[used - allowed] ?? now));
    const last = state.sentAt.at(-1);
    const paced = final || last === undefined ? 0 : perMs / requests - (now - last);
    return Math.max(0, slotFree, paced);
  }

  private enqueue(channelId: string, messageId: string, content: string, waiter: Waiter | null): void {
    if (this.closed) {
      waiter?.reject(new Error("live editor closed"));
      return;
    }
    const state = this.state(channelId);
    const pending = state.pending.get(messageId);
    if (pending) {
      pending.content = content;
      if (waiter) pending.waiters.push(waiter);
    } else {
      state.pending.set(messageId, { content, waiters: waiter ? [waiter] : [] });
    }
    this.pump(channelId, state);
  }

  private pump(channelId: string, state: ChannelState): void {
    if (state.busy || this.closed) return;
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    const now = Date.now();
    state.sentAt = state.sentAt.filter((at) => now - at < this.budget.perMs);
    // Finals first; among equals, the message that has waited longest (Map keeps insertion order).
    const entries = [...state.pending.entries()];
    const next = entries.find(([, p]) => p.waiters.length > 0) ?? entries[0];
    if (next === undefined) {
      // Idle: forget the channel once its window has passed, so state does not grow with every thread.
      if (state.sentAt.length === 0) this.channels.delete(channelId);
      else this.wake(channelId, state, this.budget.perMs - (now - (state.sentAt[0] ?? now))).unref();
      return;
    }
    const [messageId, pending] = next;
    if (state.lastSent.get(messageId) === pending.content) {
      state.pending.delete(messageId);
      for (const waiter of pending.waiters) waiter.resolve();
      this.pump(channelId, state);
      return;
    }
    const wait = this.waitFor(state, pending.waiters.length > 0, now);
    if (wait > 0) {
      this.wake(channelId, state, wait);
      return;
    }
    state.pending.delete(messageId);
    state.busy = true;
    state.sentAt.push(now);
    const body = { content: pending.content, ...SAFE_MESSAGE };
    this.rest
      .patch(Routes.channelMessage(channelId, messageId), { body })
      .then(
        () => {
          state.lastSent.set(messageId, pending.content);
          for (const waiter of pending.waiters) waiter.resolve();
        },
        (error: unknown) => {
          if (pending.waiters.length > 0) for (const waiter of pending.waiters) waiter.reject(error);
          else this.onFailure({ channelId, messageId, error });
        },
      )
      .finally(() => {
        state.busy = false;
        this.pump(channelId, state);
      });
  }
}
