import { createHash } from "node:crypto";
import type { SideResult } from "../jobs.js";
import type { LiveEditor } from "./live-editor.js";
import { renderOutput, type OutputView } from "./render-output.js";

/** What an output stream needs to know besides the text. */
export type OutputFrame = Omit<OutputView, "phase" | "text" | "result" | "failure" | "stoppedBy">;

export interface OutputStreamOptions {
  editor: LiveEditor;
  channelId: string;
  frame: OutputFrame;
  /** The side's message ids from earlier attempts, in order (empty on the first attempt). */
  messageIds: readonly string[];
  /** Stable per job and side: overflow creates carry a nonce derived from it, so a retry never duplicates. */
  nonceKey: string;
  /** Persists the message ids (into the job) whenever an overflow message is added. */
  saveMessageIds: (ids: readonly string[]) => Promise<void>;
  /** Told when posting a message fails while streaming (the generation behind it should stop). */
  onError?: (error: unknown) => void;
}

/** Discord nonces are at most 25 characters. */
function nonceFor(key: string, index: number): string {
  return createHash("sha256").update(`${key}:${index}`).digest("base64url").slice(0, 25);
}

/**
 * One side's messages in the thread: streams text into them, adds overflow messages as the text grows
 * (recording their ids), and ends with the whole text and its stats, or a failure notice.
 */
export class OutputStream {
  private readonly ids: string[];
  private creating: Promise<void> = Promise.resolve();
  private lastView: OutputView | null = null;
  /** A failed create is not tried again: the next one would fail the same way (and count against the bot). */
  private createError: Error | null = null;
  private reported = false;

  constructor(private readonly options: OutputStreamOptions) {
    this.ids = [...options.messageIds];
  }

  /** The message ids this side uses now. */
  get messageIds(): readonly string[] {
    return this.ids;
  }

  /** Posts the side's first message (if an earlier attempt has not) showing that generation started. */
  begin(): Promise<void> {
    return this.settle({ ...this.options.frame, phase: "generating", text: "" });
  }

  /** Shows the text generated so far. */
  update(text: string): void {
    this.show({ ...this.options.frame, phase: "generating", text });
  }

  /** Shows the final text with its stats; resolves once every message has its final content. */
  finish(result: SideResult, stoppedBy?: string): Promise<void> {
    const view: OutputView = { ...this.options.frame, phase: "done", text: result.text, result };
    return this.settle(stoppedBy === undefined ? view : { ...view, stoppedBy });
  }

  /** Replaces the output with a failure notice (keeping any text already shown). */
  fail(failure: string): Promise<void> {
    const text = this.lastView?.text ?? "";
    return this.settle({ ...this.options.frame, phase: "failed", text, failure });
  }

  private show(view: OutputView): void {
    this.lastView = view;
    const contents = renderOutput(view);
    const { editor, channelId } = this.options;
    contents.forEach((content, index) => {
      const id = this.ids[index];
      if (id !== undefined) editor.update(channelId, id, content);
    });
    if (contents.length > this.ids.length && this.createError === null) {
      this.grow(contents.length).catch((error: unknown) => {
        if (this.reported) return;
        this.reported = true;
        this.options.onError?.(error);
      });
    }
  }

  private async settle(view: OutputView): Promise<void> {
    this.lastView = view;
    const contents = renderOutput(view);
    await this.grow(contents.length);
    const { editor, channelId } = this.options;
    await Promise.all(
      this.ids.map((id, index) =>
        editor.settle(
          channelId,
          id,
          contents[index] ?? "-# (this part was not needed when the answer was generated again)",
        ),
      ),
    );
  }

  /** Creates overflow messages until there are `count`, one at a time, in order. */
  private grow(count: number): Promise<void> {
    this.creating = this.creating
      .catch(() => {}) // one failed create must not wedge the chain; createError says whether to go on
      .then(async () => {
        if (this.createError !== null) throw this.createError;
        while (this.ids.length < count) {
          const index = this.ids.length;
          const view = this.lastView;
          const content = view ? (renderOutput(view)[index] ?? "…") : "…";
          let id: string;
          try {
            id = await this.options.editor.create(
              this.options.channelId,
              content,
              nonceFor(this.options.nonceKey, index),
            );
          } catch (error) {
            this.createError = error instanceof Error ? error : new Error(String(error));
            throw this.createError;
          }
          this.ids.push(id);
          await this.options.saveMessageIds(this.ids);
        }
      });
    return this.creating;
  }
}
