import type { SideResult } from "../../src/shared/jobs.js";
import type { MessageExtras, MessageScheduler, Post } from "./message-scheduler.js";
import { renderSide, type OutputView } from "./render-output.js";

/** What an output stream needs to know besides the text. */
export type OutputFrame = Omit<OutputView, "phase" | "text" | "result" | "failure" | "stoppedBy">;

export interface OutputStreamOptions {
  scheduler: MessageScheduler;
  channelId: string;
  frame: OutputFrame;
  /** The side's message ids from earlier attempts, in order (empty on the first attempt). */
  messageIds: readonly string[];
  /** Stable per job and side: creates carry a nonce derived from it, so a retry never duplicates. */
  nonceKey: string;
  /** Persists the message ids (into the job) whenever a message is added. */
  saveMessageIds: (ids: readonly string[]) => void;
  /** Told when Discord refuses a message while streaming (the generation behind it should stop). */
  onError?: (error: unknown) => void;
  /** The stream shown above this one: its first message comes first. */
  after?: OutputStream;
}

/**
 * One side's messages in the thread: the first is posted with the first text, more are added as the text
 * grows (their ids recorded), and the side ends with the whole text and its stats, or a failure notice.
 * The text is rendered when a request goes out, not on every token.
 */
export class OutputStream {
  private view: OutputView;
  private extras: MessageExtras | undefined;
  readonly post: Post;

  constructor(options: OutputStreamOptions) {
    this.view = { ...options.frame, phase: "generating", text: "" };
    this.post = options.scheduler.open({
      channelId: options.channelId,
      messageIds: options.messageIds,
      nonceKey: options.nonceKey,
      onIds: options.saveMessageIds,
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.after ? { after: options.after.post } : {}),
      render: () => ({
        ...renderSide(this.view),
        ...(this.extras ? { extras: this.extras } : {}),
        empty: this.view.phase === "generating" && this.view.text === "",
      }),
    });
  }

  /** The message ids this side uses now. */
  get messageIds(): readonly string[] {
    return this.post.messageIds;
  }

  /** Shows the text generated so far. */
  update(text: string): void {
    // A side that has ended (finished, failed) shows nothing more of a generation still winding down.
    if (this.view.phase !== "generating") return;
    this.view = { ...this.view, text };
    this.post.changed();
  }

  /**
   * Shows the final text with its stats (and `extras` on the last message); resolves once every message has
   * its final content.
   */
  finish(result: SideResult, stoppedBy?: string, extras?: MessageExtras): Promise<void> {
    const { failure: _failure, stoppedBy: _stoppedBy, ...rest } = this.view;
    this.view = {
      ...rest,
      phase: "done",
      text: result.text,
      result,
      ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    };
    this.extras = extras;
    return this.post.finish();
  }

  /** Replaces the status with a failure notice (keeping any text already generated). */
  fail(failure: string): Promise<void> {
    this.view = { ...this.view, phase: "failed", failure };
    return this.post.finish();
  }

  /** Sends nothing more (the attempt ends without an answer on this side, e.g. it goes back to the queue). */
  drop(): void {
    this.post.drop();
  }
}
