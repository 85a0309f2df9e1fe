import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { SideResult } from "../../src/shared/jobs.js";
import type { MessageExtras, MessageScheduler, Post } from "./message-scheduler.js";
import { renderSide, type OutputView } from "./render-output.js";

/** What a side's last message may carry under its status: the result's footer (chart, buttons). */
export interface Footer {
  text: string;
  extras: MessageExtras;
  /** The same without the chart, where Discord refuses the file. */
  withoutChart?: { text: string; extras: MessageExtras };
}

/** What an output stream needs to know besides the text. */
export type OutputFrame = Omit<OutputView, "phase" | "text" | "result" | "failure" | "stoppedBy" | "footer">;

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
  private current: Post;

  constructor(private readonly options: OutputStreamOptions) {
    this.view = { ...options.frame, phase: "generating", text: "" };
    this.current = this.open(options.messageIds);
  }

  /** The post that writes this side's messages. */
  get post(): Post {
    return this.current;
  }

  private open(messageIds: readonly string[]): Post {
    const { options } = this;
    return options.scheduler.open({
      channelId: options.channelId,
      messageIds,
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
    this.current.changed();
  }

  /**
   * Shows the final text with its stats, and the footer (its text under them, its buttons and chart on the last
   * message) when given; resolves once every message has its final content. Where Discord refuses the chart for
   * want of Attach Files, the footer goes without it.
   */
  async finish(result: SideResult, stoppedBy?: string, footer?: Footer): Promise<void> {
    const { failure: _failure, stoppedBy: _stoppedBy, footer: _footer, ...rest } = this.view;
    this.view = {
      ...rest,
      phase: "done",
      text: result.text,
      result,
      ...(stoppedBy !== undefined ? { stoppedBy } : {}),
      ...(footer ? { footer: footer.text } : {}),
    };
    this.extras = footer?.extras;
    try {
      await this.current.finish();
    } catch (error) {
      const fallback = footer?.withoutChart;
      if (!fallback || !isMissingPermissions(error)) throw error;
      this.view = { ...this.view, footer: fallback.text };
      this.extras = fallback.extras;
      this.current = this.open(this.current.messageIds);
      await this.current.finish();
    }
  }

  /** Replaces the status with a failure notice (keeping any text already generated). */
  fail(failure: string): Promise<void> {
    this.view = { ...this.view, phase: "failed", failure };
    return this.current.finish();
  }

  /** Sends nothing more (the attempt ends without an answer on this side, e.g. it goes back to the queue). */
  drop(): void {
    this.current.drop();
  }
}

/** Whether Discord refused a request for want of a permission (Attach Files, for the chart). */
export function isMissingPermissions(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingPermissions;
}
