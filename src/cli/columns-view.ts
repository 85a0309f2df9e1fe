import { isTemplated, modelOf, type Side } from "../shared/jobs.js";
import { LiveArea } from "./live-area.js";
import type { OutputView } from "./rows-view.js";
import type { SideOutcome } from "./run-job-sides.js";
import { sideFooter, sideHead, type SideView } from "./terminal-side.js";
import { padEnd, PLAIN, printable, wrap, wrapSpans, type Style } from "./terminal-text.js";

/** The narrowest terminal that gets columns; below it the sides come one after the other. */
export const MIN_COLUMNS_WIDTH = 100;
const GUTTER = " │ ";

/** The sides as a grid: the pair side by side; the matrix as models across, raw above templated. */
export function grid(sides: readonly Side[]): Side[][] {
  if (sides.length <= 2) return [[...sides]];
  const row = (templated: boolean) =>
    (["base", "instruct"] as const).flatMap((model) =>
      sides.filter((side) => modelOf(side) === model && isTemplated(side) === templated),
    );
  return [row(false), row(true)];
}

interface Cell {
  view: SideView;
  text: string;
  outcome?: SideOutcome;
}

/** A cell at `width`: its title lines, then the raw prompt in bold and the text, and the stats once done. */
function cellLines(cell: Cell, width: number, style: Style): { head: string[]; body: string[] } {
  const prompt = style.color && !isTemplated(cell.view.side) ? printable(cell.view.prompt) : "";
  const text = prompt + printable(cell.text);
  const lines = wrapSpans(text, width).map(({ start, end }) => {
    const cut = Math.min(Math.max(start, prompt.length), end);
    return style.bold(text.slice(start, cut)) + text.slice(cut, end);
  });
  const head = wrap(sideHead(cell.view, PLAIN), width).map((line) => style.label(line));
  const foot = cell.outcome
    ? sideFooter(cell.view, cell.outcome, PLAIN).flatMap((line) => wrap(line, width))
    : [style.dim("generating…")];
  return { head, body: [...lines, "", ...foot] };
}

/** Rows of cells side by side; `maxHeight` keeps each cell's title and its last lines. */
function layout(rows: Cell[][], columns: number, style: Style, maxHeight?: number): string[] {
  const out: string[] = [];
  const perRow = maxHeight === undefined ? undefined : Math.max(3, Math.floor(maxHeight / rows.length) - 1);
  for (const [r, row] of rows.entries()) {
    const width = Math.floor((columns - GUTTER.length * (row.length - 1)) / row.length);
    const parts = row.map((cell) => cellLines(cell, width, style));
    // Titles take the same height in a row, so that the texts start on the same line.
    const headHeight = Math.max(...parts.map((p) => p.head.length));
    const bodyRoom = perRow === undefined ? undefined : Math.max(1, perRow - headHeight);
    const cells = parts.map(({ head, body }) => [
      ...head,
      ...Array<string>(headHeight - head.length).fill(""),
      ...(bodyRoom === undefined || body.length <= bodyRoom ? body : body.slice(-bodyRoom)),
    ]);
    const height = Math.max(...cells.map((lines) => lines.length));
    if (r > 0) out.push(style.dim("─".repeat(columns)));
    for (let i = 0; i < height; i++) {
      out.push(
        cells
          .map((lines) => padEnd(lines[i] ?? "", width))
          .join(style.dim(GUTTER))
          .trimEnd(),
      );
    }
  }
  return out;
}

/** Width of the columns where the output is not a terminal (a file, a pipe). */
const FILE_WIDTH = 120;

/**
 * The sides side by side. On a terminal they are redrawn in place as they stream (each cell showing its last lines
 * while the text is longer than the screen), then written in full once all have finished; elsewhere they are
 * written once, at the end, {@link FILE_WIDTH} columns wide.
 */
export function columnsView(views: readonly SideView[], out: NodeJS.WriteStream, style: Style): OutputView {
  const live = out.isTTY === true;
  const area = live ? new LiveArea(out) : null;
  const cells = new Map<Side, Cell>(views.map((view) => [view.side, { view, text: "" }]));
  const rows = grid(views.map((v) => v.side)).map((row) => row.flatMap((side) => cells.get(side) ?? []));
  const columns = (area?.columns ?? FILE_WIDTH + 1) - 1;
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    timer = null;
    area?.set(layout(rows, columns, style, area.rows - 2));
  };
  const schedule = () => {
    if (area) timer ??= setTimeout(draw, 50);
  };
  draw();
  return {
    text(side, text) {
      const cell = cells.get(side);
      if (cell) cell.text = text;
      schedule();
    },
    done(outcome) {
      const cell = cells.get(outcome.side);
      if (cell) {
        cell.text = outcome.result.text;
        cell.outcome = outcome;
      }
      schedule();
    },
    close() {
      if (timer) clearTimeout(timer);
      const final = `${layout(rows, columns, style).join("\n")}\n`;
      if (area) area.close(final);
      else out.write(final);
    },
  };
}
