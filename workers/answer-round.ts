import type { Job } from "bullmq";
import type { GenerationJob, GenerationResult, Side, SideResult } from "../src/shared/jobs.js";
import type { Logger } from "../src/shared/log.js";
import { abortable } from "./async-gates.js";
import type { Engine } from "./engine/engine.js";
import { composeFooter } from "./footer.js";
import { sideRun, type jobOutputs, type SideOutput } from "./job-outputs.js";

/** How long the last side waits for the others to end, to carry the footer in its own final edit. */
const FOOTER_WAIT_MS = 1_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface RoundContext {
  job: Job<GenerationJob, GenerationResult>;
  data: GenerationJob;
  outputs: ReturnType<typeof jobOutputs>;
  engine: Engine;
  log: Logger;
  /** Ends the attempt. */
  abort: AbortController;
  /** Ends the generation (a member pressed Stop). */
  stop: AbortSignal;
  /** Who pressed Stop, if anyone, as of now. */
  stoppedBy: () => string | undefined;
  /** Told the text so far of each side as it grows. */
  onProgress: (side: Side, text: string, tokens: number) => void;
  /** Keeps the result (and an /ask exchange): done before the footer shows the answer complete. */
  record: (results: ReadonlyMap<Side, SideResult>) => Promise<void>;
}

/**
 * One attempt at a job's sides: generates each and finishes its messages. The last side carries the footer
 * (chart, buttons) in its own final edit when the other sides have ended by then or within a second, which
 * saves a message; otherwise the footer comes as a message of its own once all have ended. A blind pair ends
 * both sides together and alike, so which finished first says nothing.
 */
export class AnswerRound {
  private readonly generated = new Map<Side, Deferred<SideResult>>();
  /** Whether the footer went out with the last side. */
  footerPlaced = false;

  constructor(private readonly ctx: RoundContext) {
    for (const { side } of ctx.outputs.sides) this.generated.set(side, deferred());
  }

  /** Generates one side and finishes its messages; resolves with its result. */
  async run({ side, stream }: SideOutput): Promise<SideResult> {
    const { data, engine, abort } = this.ctx;
    const result = await engine.generate(side, {
      ...sideRun(data, side),
      signal: AbortSignal.any([abort.signal, this.ctx.stop]),
      onText: (text, tokens) => {
        this.ctx.onProgress(side, text, tokens);
        stream.update(text);
      },
    });
    if (abort.signal.aborted) throw abort.signal.reason ?? new Error("generation aborted");
    this.generated.get(side)?.resolve(result);
    if (data.blind) await abortable(this.all(), abort.signal);
    const footer = this.isLast(side) ? await this.footerFor(side, result) : null;
    await abortable(stream.finish(result, this.ctx.stoppedBy(), footer ?? undefined), abort.signal);
    if (footer) this.footerPlaced = true;
    return result;
  }

  private isLast(side: Side): boolean {
    return this.ctx.outputs.sides.at(-1)?.side === side && this.ctx.outputs.footerId() === undefined;
  }

  private all(): Promise<Map<Side, SideResult>> {
    return Promise.all([...this.generated.entries()].map(async ([side, d]) => [side, await d.promise] as const)).then(
      (entries) => new Map(entries),
    );
  }

  /** The footer for the last side's final edit, if every side has ended by now or within a second. */
  private async footerFor(side: Side, result: SideResult) {
    const { abort, data, outputs, engine, log, job } = this.ctx;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), FOOTER_WAIT_MS)));
    const results = await abortable(Promise.race([this.all(), late]), abort.signal).finally(() => clearTimeout(timer));
    if (results === null) return null;
    results.set(side, result);
    // The buttons under the answer, and the member's next /ask, must find what they refer to.
    await abortable(this.ctx.record(results), abort.signal);
    const sides = outputs.sides.map((o) => o.side);
    return composeFooter(job, data, sides, results, engine, log);
  }
}
