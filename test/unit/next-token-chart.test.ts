import { createCanvas, GlobalFonts, loadImage } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { type NextTokenChartInput, renderNextTokenChart } from "../../workers/output/next-token-chart.js";
import { visibleToken } from "../../workers/output/visible-token.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BASE_BAR = [0xf0, 0xa3, 0x5e] as const;
const INSTRUCT_BAR = [0x5b, 0x9c, 0xf0] as const;

function chart(baseTop: number, title = 'Next token after "The capital of France is"'): NextTokenChartInput {
  return {
    title,
    panels: [
      {
        title: "Base model",
        subtitle: "raw continuation",
        tokens: [
          { text: " Paris", probability: baseTop },
          { text: " a", probability: (1 - baseTop) / 2 },
          { text: "\n", probability: 0.0004 },
        ],
      },
      {
        title: "Instruct model",
        tokens: [
          { text: "The", probability: 0.973 },
          { text: "<|im_end|>", probability: 0.02 },
        ],
      },
    ],
  };
}

interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

async function decode(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const ctx = createCanvas(image.width, image.height).getContext("2d");
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

/** Pixels of exactly `rgb` among rows [top, bottom). */
function countColor(pixels: Pixels, rgb: readonly [number, number, number], top = 0, bottom = pixels.height): number {
  let count = 0;
  for (let i = top * pixels.width * 4; i < bottom * pixels.width * 4; i += 4) {
    if (pixels.data[i] === rgb[0] && pixels.data[i + 1] === rgb[1] && pixels.data[i + 2] === rgb[2]) count++;
  }
  return count;
}

/** Light pixels (text on the dark background) among rows [top, bottom). */
function countLight(pixels: Pixels, top: number, bottom: number): number {
  let count = 0;
  for (let i = top * pixels.width * 4; i < bottom * pixels.width * 4; i += 4) {
    if ((pixels.data[i] ?? 0) > 200 && (pixels.data[i + 1] ?? 0) > 200 && (pixels.data[i + 2] ?? 0) > 200) count++;
  }
  return count;
}

describe("renderNextTokenChart", () => {
  it("returns a 1200×560 PNG", async () => {
    const png = await renderNextTokenChart(chart(0.6));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(560);
  });

  it("draws each panel's bars in its colour, as long as the probabilities say", async () => {
    const high = await decode(await renderNextTokenChart(chart(0.9)));
    const low = await decode(await renderNextTokenChart(chart(0.1)));
    // The base panel's bars: 0.9 + 0.05 + tiny vs 0.1 + 0.45 + tiny of the same full length.
    const highBase = countColor(high, BASE_BAR);
    const lowBase = countColor(low, BASE_BAR);
    expect(lowBase).toBeGreaterThan(0);
    expect(highBase / lowBase).toBeGreaterThan(1.5);
    expect(highBase / lowBase).toBeLessThan(1.9);
    // The instruct panel did not change and is drawn in the second colour.
    expect(countColor(high, INSTRUCT_BAR)).toBeGreaterThan(1000);
    expect(countColor(high, INSTRUCT_BAR)).toBe(countColor(low, INSTRUCT_BAR));
  });

  it("draws text with the shipped font", async () => {
    const titled = await decode(await renderNextTokenChart(chart(0.5, "A title with words in it")));
    const untitled = await decode(await renderNextTokenChart(chart(0.5, "")));
    // Registered from assets/fonts: the runtime image has no system fonts to fall back on.
    const shipped = GlobalFonts.families.find((font) => font.family === "NextTokenChart Sans");
    expect(shipped?.styles.map((style) => style.weight).sort((a, b) => a - b)).toEqual([400, 700]);
    expect(countLight(untitled, 0, 60)).toBe(0);
    expect(countLight(titled, 0, 60)).toBeGreaterThan(300);
    // Token labels and percentages under the panel headers.
    expect(countLight(untitled, 130, 560)).toBeGreaterThan(300);
  });

  it("says under the bars what they are (the model's own probabilities, nothing cut off), in the muted colour", async () => {
    const pixels = await decode(await renderNextTokenChart(chart(0.5)));
    // The caption's grey text on the last strip, below the tenth bar's row: nothing else is drawn there.
    let grey = 0;
    for (let i = 524 * pixels.width * 4; i < 556 * pixels.width * 4; i += 4) {
      const [r, g, b] = [pixels.data[i] ?? 0, pixels.data[i + 1] ?? 0, pixels.data[i + 2] ?? 0];
      if (r > 100 && Math.abs(r - g) < 20 && Math.abs(g - b) < 30) grey++;
    }
    expect(grey).toBeGreaterThan(500);
  });

  it("is deterministic", async () => {
    const first = await renderNextTokenChart(chart(0.42));
    const second = await renderNextTokenChart(chart(0.42));
    expect(first.equals(second)).toBe(true);
  });

  it("renders any Unicode, long tokens, odd probabilities and empty or crowded panels", async () => {
    const png = await renderNextTokenChart({
      title: "巴黎 😀 \ud800 \u0000",
      panels: [
        {
          title: "x".repeat(500),
          subtitle: "🦜".repeat(200),
          tokens: [
            { text: "巴黎", probability: 0.5 },
            { text: "\ud83d", probability: Number.NaN },
            { text: "\u0000\u200b\r", probability: -1 },
            { text: "a".repeat(300), probability: 2 },
            ...Array.from({ length: 20 }, (_, i) => ({ text: `t${i}`, probability: 0.001 })),
          ],
        },
        { title: "Empty", tokens: [] },
        { title: "Third", tokens: [{ text: " x", probability: 1 }] },
      ],
    });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it("rejects a chart with no panels", async () => {
    await expect(renderNextTokenChart({ title: "nothing", panels: [] })).rejects.toThrow(RangeError);
  });
});

describe("visibleToken", () => {
  it("shows spaces, newlines and tabs", () => {
    expect(visibleToken(" Paris")).toBe("␣Paris");
    expect(visibleToken("\n")).toBe("↵");
    expect(visibleToken("a b\n\tc  ")).toBe("a␣b↵⇥c␣␣");
  });

  it("shows the empty token as ∅", () => {
    expect(visibleToken("")).toBe("∅");
  });

  it("leaves other text as is", () => {
    expect(visibleToken("<|im_end|>")).toBe("<|im_end|>");
    expect(visibleToken("巴黎😀")).toBe("巴黎😀");
  });
});
