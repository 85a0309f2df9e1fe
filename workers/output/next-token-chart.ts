import { visibleToken } from "./visible-token.js";
import { fileURLToPath } from "node:url";
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";

/** One candidate next token and the model's probability for it. */
export interface ChartToken {
  /** The token's raw text, e.g. " Paris", "\n", "<|im_end|>". */
  text: string;
  probability: number;
}

/** One model's bars. */
export interface ChartPanel {
  title: string;
  subtitle?: string;
  /** Sorted by probability, highest first; only the first 10 are drawn. */
  tokens: readonly ChartToken[];
}

export interface NextTokenChartInput {
  title: string;
  /** Drawn side by side, left to right; usually the base model, then the instruct model. */
  panels: readonly ChartPanel[];
}

/** How many next tokens the chart shows per panel. */
export const CHART_TOKENS = 10;

const WIDTH = 1200;
const HEIGHT = 560;
const MAX_BARS = CHART_TOKENS;
const MARGIN = 28;
const PANEL_GAP = 48;
const PANELS_TOP = 76;
const BARS_TOP = 136;
const ROW_HEIGHT = 37;
const BAR_HEIGHT = 25;
/** The line under the bars that says what the numbers are. */
const CAPTION_Y = HEIGHT - 20;
const CAPTION =
  "Each model's own probabilities for its next token, at temperature 1, with nothing cut off (no top-k, top-p or min-p).";

const FAMILY = "NextTokenChart Sans";
const COLORS = {
  background: "#1e1f24",
  text: "#f2f3f5",
  muted: "#a3a8b3",
  track: "#2c2e35",
  divider: "#3a3d45",
  bars: ["#f0a35e", "#5b9cf0", "#6cc28f", "#c88ae6"],
} as const;

// Shipped with the repo (assets/fonts, see LICENSE-DejaVu.txt): the runtime image has no system fonts.
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] as const;
let fontsRegistered = false;

function registerFonts(): void {
  if (fontsRegistered) return;
  for (const file of FONT_FILES) {
    const path = fileURLToPath(new URL(`../../assets/fonts/${file}`, import.meta.url));
    if (GlobalFonts.registerFromPath(path, FAMILY) === null) throw new Error(`could not load chart font ${path}`);
  }
  fontsRegistered = true;
}

/** "97.3%", "<0.1%" for tiny ones, ">99.9%" for almost certain ones. */
function percentLabel(probability: number): string {
  const percent = probability * 100;
  if (percent <= 0) return "0%";
  if (percent < 0.05) return "<0.1%";
  if (percent < 100 && percent >= 99.95) return ">99.9%";
  return `${percent.toFixed(1)}%`;
}

function clampProbability(probability: number): number {
  return Number.isFinite(probability) ? Math.min(1, Math.max(0, probability)) : 0;
}

/** Control characters as "\uFFFD": the canvas throws on NUL, and the font has no glyphs for the others. */
function drawable(text: string): string {
  return Array.from(text, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f ? "\uFFFD" : char;
  }).join("");
}

/** `text`, drawable, cut with "…" to fit `maxWidth` in the context's current font; never splits a surrogate pair. */
function fitText(ctx: SKRSContext2D, raw: string, maxWidth: number): string {
  const text = drawable(raw);
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (ctx.measureText(`${chars.slice(0, mid).join("")}…`).width <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join("")}…`;
}

function drawPanel(ctx: SKRSContext2D, panel: ChartPanel, x: number, width: number, barColor: string): void {
  ctx.textAlign = "left";
  ctx.fillStyle = COLORS.text;
  ctx.font = `bold 19px "${FAMILY}"`;
  ctx.fillText(fitText(ctx, panel.title, width), x, PANELS_TOP);
  if (panel.subtitle !== undefined) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = `14px "${FAMILY}"`;
    ctx.fillText(fitText(ctx, panel.subtitle, width), x, PANELS_TOP + 28);
  }

  const tokens = panel.tokens.slice(0, MAX_BARS);
  if (tokens.length === 0) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = `16px "${FAMILY}"`;
    ctx.fillText("no tokens", x, BARS_TOP);
    return;
  }

  ctx.font = `15px "${FAMILY}"`;
  const labelWidth = Math.round(width * 0.3);
  const percentWidth = ctx.measureText(">99.9%").width + 10;
  const barX = x + labelWidth + 12;
  const barMax = x + width - percentWidth - barX;

  tokens.forEach((token, index) => {
    const probability = clampProbability(token.probability);
    const rowY = BARS_TOP + index * ROW_HEIGHT;
    const barY = rowY + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const middle = rowY + ROW_HEIGHT / 2;

    ctx.fillStyle = COLORS.track;
    ctx.fillRect(barX, barY, barMax, BAR_HEIGHT);
    const barLength = probability > 0 ? Math.max(2, probability * barMax) : 0;
    ctx.fillStyle = barColor;
    ctx.fillRect(barX, barY, barLength, BAR_HEIGHT);

    ctx.font = `16px "${FAMILY}"`;
    ctx.textAlign = "right";
    ctx.fillStyle = COLORS.text;
    ctx.fillText(fitText(ctx, visibleToken(token.text), labelWidth), barX - 12, middle);

    ctx.font = `15px "${FAMILY}"`;
    ctx.textAlign = "left";
    ctx.fillText(percentLabel(probability), barX + barLength + 8, middle);
  });
}

/**
 * Draws each panel's top next-token probabilities as horizontal bars, panels side by side under
 * `input.title`, on a solid dark background, with a caption that says they are the model's own probabilities at
 * temperature 1, nothing cut off. Bars are on one absolute 0–100% scale in every panel. Returns PNG bytes, 1200×560.
 */
export async function renderNextTokenChart(input: NextTokenChartInput): Promise<Buffer> {
  if (input.panels.length === 0) throw new RangeError("a next-token chart needs at least one panel");
  registerFonts();

  const canvas = createCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  ctx.textBaseline = "middle";

  ctx.fillStyle = COLORS.text;
  ctx.font = `bold 24px "${FAMILY}"`;
  ctx.fillText(fitText(ctx, input.title, WIDTH - 2 * MARGIN), MARGIN, 36);

  const count = input.panels.length;
  const panelWidth = (WIDTH - 2 * MARGIN - (count - 1) * PANEL_GAP) / count;
  input.panels.forEach((panel, index) => {
    const x = MARGIN + index * (panelWidth + PANEL_GAP);
    if (index > 0) {
      ctx.fillStyle = COLORS.divider;
      ctx.fillRect(x - PANEL_GAP / 2, PANELS_TOP - 12, 1, CAPTION_Y - 20 - (PANELS_TOP - 12));
    }
    drawPanel(ctx, panel, x, panelWidth, COLORS.bars[index % COLORS.bars.length] ?? COLORS.bars[0]);
  });

  ctx.textAlign = "left";
  ctx.fillStyle = COLORS.muted;
  ctx.font = `14px "${FAMILY}"`;
  ctx.fillText(fitText(ctx, CAPTION, WIDTH - 2 * MARGIN), MARGIN, CAPTION_Y);

  return canvas.encode("png");
}
