import { displayWidth } from "./terminal-text.js";

/**
 * A block of lines at the bottom of a terminal that is redrawn in place (progress bars, streaming columns).
 * Text printed through {@link LiveArea.print} goes above it. Lines wider than the terminal are cut, so that the
 * block's height on screen is its number of lines and the next redraw erases exactly it.
 */
export class LiveArea {
  private lines: string[] = [];
  private drawn = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** The terminal's width (80 where it does not say). */
  get columns(): number {
    return this.stream.columns || 80;
  }

  /** The terminal's height (24 where it does not say). */
  get rows(): number {
    return this.stream.rows || 24;
  }

  /** Replaces the block with `lines`. */
  set(lines: readonly string[]): void {
    this.lines = lines.map((line) => this.fit(line));
    this.stream.write(this.erase() + this.draw());
  }

  /** Writes `text` above the block (which stays). */
  print(text: string): void {
    this.stream.write(this.erase() + text + (text.endsWith("\n") ? "" : "\n") + this.draw());
  }

  /** Erases the block and forgets it; `final` is written in its place, whatever its height. */
  close(final = ""): void {
    this.stream.write(this.erase() + final + "\x1b[?25h");
    this.lines = [];
  }

  private erase(): string {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
    this.drawn = 0;
    return up;
  }

  private draw(): string {
    if (this.lines.length === 0) return "";
    this.drawn = this.lines.length;
    return `\x1b[?25l${this.lines.join("\n")}\n`;
  }

  /** A line cut to one column less than the terminal (a full-width line would wrap in some terminals). */
  private fit(line: string): string {
    const max = this.columns - 1;
    if (displayWidth(line) <= max) return line;
    // Cut the visible text, keeping ANSI sequences (their styles are closed by the reset at the end).
    let out = "";
    let width = 0;
    // eslint-disable-next-line no-control-regex
    for (const part of line.split(/(\x1b\[[0-9;?]*[A-Za-z])/)) {
      if (part.startsWith("\x1b[")) {
        out += part;
        continue;
      }
      for (const char of part) {
        const w = displayWidth(char);
        if (width + w > max - 1) return `${out}…\x1b[0m`;
        out += char;
        width += w;
      }
    }
    return out;
  }
}
