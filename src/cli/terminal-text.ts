// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// C0 controls but newline, DEL, C1 controls: a model's text must not move the cursor or restyle the terminal.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** Styles for one output stream: ANSI where it is a terminal with colours, plain text elsewhere. */
export interface Style {
  readonly color: boolean;
  bold(text: string): string;
  dim(text: string): string;
  /** Special tokens in the exact prompts. */
  mark(text: string): string;
  /** Side labels. */
  label(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

/** The style for `stream`: colours when it is a terminal that has them (Node honours `NO_COLOR` and `FORCE_COLOR`). */
export function styleFor(stream: NodeJS.WriteStream): Style {
  const color = stream.isTTY === true && stream.hasColors();
  const sgr = (on: string, off: string) => (text: string) =>
    color && text !== "" ? `\x1b[${on}m${text}\x1b[${off}m` : text;
  return {
    color,
    bold: sgr("1", "22"),
    dim: sgr("2", "22"),
    mark: sgr("7", "27"),
    label: sgr("1;36", "22;39"),
    good: sgr("32", "39"),
    bad: sgr("1;31", "22;39"),
  };
}

const same = (text: string) => text;

/** No styles at all: text to measure and wrap before it is styled. */
export const PLAIN: Style = { color: false, bold: same, dim: same, mark: same, label: same, good: same, bad: same };

/** Model text made safe to print: tabs as spaces, carriage returns as line ends, other control characters as "�". */
export function printable(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").replace(CONTROLS, "\uFFFD");
}

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

function charWidth(code: number): number {
  if ((code >= 0x300 && code <= 0x36f) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** How many terminal columns `text` takes (ANSI sequences take none, CJK and emoji two). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) width += charWidth(char.codePointAt(0) ?? 0);
  return width;
}

/** `text` padded with spaces to `width` columns. */
export function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** A line of wrapped text: where it starts and ends in the text (a space it was broken at belongs to neither). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Wraps plain text (no ANSI) into lines of at most `width` columns: at spaces where it can, inside a word where
 * it must. Line ends in the text are kept.
 */
export function wrapSpans(text: string, width: number): Span[] {
  const max = Math.max(1, width);
  const spans: Span[] = [];
  let start = 0;
  let lineWidth = 0;
  let lastSpace = -1;
  let index = 0;
  for (const char of text) {
    if (char === "\n") {
      spans.push({ start, end: index });
      start = index + 1;
      lineWidth = 0;
      lastSpace = -1;
      index += 1;
      continue;
    }
    const w = charWidth(char.codePointAt(0) ?? 0);
    if (lineWidth + w > max && index > start) {
      if (lastSpace > start) {
        spans.push({ start, end: lastSpace });
        start = lastSpace + 1;
      } else {
        spans.push({ start, end: index });
        start = index;
      }
      lineWidth = displayWidth(text.slice(start, index));
      lastSpace = text.lastIndexOf(" ", index - 1);
      if (lastSpace < start) lastSpace = -1;
    }
    if (char === " ") lastSpace = index;
    lineWidth += w;
    index += char.length;
  }
  spans.push({ start, end: index });
  return spans;
}

/** {@link wrapSpans}, as the lines' text. */
export function wrap(text: string, width: number): string[] {
  return wrapSpans(text, width).map(({ start, end }) => text.slice(start, end));
}
