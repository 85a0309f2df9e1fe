import { CHART_TOKENS, renderNextTokenChart, type ChartPanel } from "./output/next-token-chart.js";
import { oneLine, sideLabel } from "../src/shared/labels.js";
import type { ExpectedNext } from "./output/render-footer.js";
import { isTemplated, modelOf, type GenerationJob, type Side, type SideResult } from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import { sideRun } from "./job-outputs.js";

const MATRIX_TITLES: Record<Side, string> = {
  base: "Base, raw",
  baseChat: "Base + template",
  instructRaw: "Instruct, raw",
  instruct: "Instruct + template",
};

/** A chart panel's title: the side, or in a blind comparison only its letter. */
function panelTitle(data: GenerationJob, side: Side, index: number, engine: Engine): ChartPanel {
  if (data.blind) return { title: `Model ${index === 0 ? "A" : "B"}`, tokens: [] };
  return {
    // Four panels share the width: short titles.
    title: data.mode === "matrix" ? MATRIX_TITLES[side] : sideLabel(side),
    subtitle: `${oneLine(engine.info.models[modelOf(side)].name, 40)} · ${isTemplated(side) ? "after the chat template" : "after the raw prompt"}`,
    tokens: [],
  };
}

/**
 * The likeliest next tokens of every side's model right after its input (its own probabilities at temperature 1,
 * nothing cut off), as a PNG chart and a text version. Each side's come with its result, from the evaluation its
 * generation started from; a side without them (a result an earlier attempt left) is evaluated once more.
 * Only comparisons get one: the point is the two models side by side.
 */
export async function expectations(
  data: GenerationJob,
  sides: readonly Side[],
  engine: Engine,
  results: ReadonlyMap<Side, SideResult> = new Map(),
): Promise<{ png: Buffer; expected: ExpectedNext[] } | null> {
  if (data.kind !== "compare") return null;
  const panels: ChartPanel[] = [];
  for (const [index, side] of sides.entries()) {
    const tokens = results.get(side)?.nextTokens ?? (await engine.nextTokens(side, sideRun(data, side), CHART_TOKENS));
    panels.push({ ...panelTitle(data, side, index, engine), tokens });
  }
  const png = await renderNextTokenChart({
    title: `What each model expected next after “${oneLine(data.prompt, 70)}”`,
    panels,
  });
  return { png, expected: panels.map((p) => ({ label: p.title, tokens: p.tokens })) };
}
