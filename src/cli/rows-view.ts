import type { Side } from "../shared/jobs.js";
import type { SideOutcome } from "./run-job-sides.js";
import { sideBody, sideFooter, sideHead, type SideView } from "./terminal-side.js";
import type { Style } from "./terminal-text.js";

/** How the streamed sides reach the screen. */
export interface OutputView {
  text(side: Side, text: string): void;
  done(outcome: SideOutcome): void;
  /** Every side has finished (or the run failed): whatever is left is written. */
  close(): void;
}

/**
 * The sides one after the other, for a narrow terminal or output that is not a terminal: the first side streams
 * as it is generated; a side that runs meanwhile (the other model) is held back and written, as far as it has
 * come, once the side above it has finished, then streams on.
 */
export function rowsView(views: readonly SideView[], out: NodeJS.WritableStream, style: Style): OutputView {
  const state = new Map<Side, { text: string; written: string; outcome?: SideOutcome }>(
    views.map((v) => [v.side, { text: "", written: "" }]),
  );
  let current = 0;
  let started = false;

  const writeBody = (view: SideView) => {
    const s = state.get(view.side);
    if (!s) return;
    // A side's text only grows; should a final text not extend what was written, it is written again in full.
    if (s.text.startsWith(s.written)) {
      out.write(sideBody({ ...view, prompt: "" }, s.text.slice(s.written.length), style));
    } else {
      out.write(`\n${sideBody({ ...view, prompt: "" }, s.text, style)}`);
    }
    s.written = s.text;
  };
  const begin = (view: SideView) => {
    out.write(`${current > 0 ? "\n" : ""}${sideHead(view, style)}\n${sideBody(view, "", style)}`);
    started = true;
  };
  const advance = () => {
    for (;;) {
      const view = views[current];
      if (!view) return;
      if (!started) begin(view);
      writeBody(view);
      const outcome = state.get(view.side)?.outcome;
      if (!outcome) return;
      out.write(`\n${sideFooter(view, outcome, style).join("\n")}\n`);
      current += 1;
      started = false;
    }
  };
  return {
    text(side, text) {
      const s = state.get(side);
      if (!s) return;
      s.text = text;
      if (views[current]?.side === side) advance();
    },
    done(outcome) {
      const s = state.get(outcome.side);
      if (!s) return;
      s.text = outcome.result.text;
      s.outcome = outcome;
      advance();
    },
    close() {
      if (current < views.length && started) out.write("\n");
    },
  };
}
