import type { Job } from "bullmq";
import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import { renderNextTokenChart, type ChartPanel } from "./output/next-token-chart.js";
import { oneLine, sideLabel } from "../src/shared/labels.js";
import type { MessageExtras, MessageScheduler } from "./output/message-scheduler.js";
import { renderFooter, type ExpectedNext } from "./output/render-footer.js";
import { resultButtonRows, voteNames } from "../src/shared/result-buttons.js";
import { isTemplated, modelOf, type GenerationJob, type GenerationResult, type Side } from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import type { Logger } from "../src/shared/log.js";
import { isVotable } from "../src/shared/store/results.js";
import { sideRun, type jobOutputs } from "./job-outputs.js";

const MISSING_PERMISSIONS = RESTJSONErrorCodes.MissingPermissions;

/** How many next tokens the chart shows per model. */
const CHART_TOKENS = 10;

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
 * The likeliest next tokens of every side's model right after its input, as a PNG chart and a text version.
 * Only comparisons get one: the point is the two models side by side.
 */
async function expectations(
  data: GenerationJob,
  sides: readonly Side[],
  engine: Engine,
): Promise<{ png: Buffer; expected: ExpectedNext[] } | null> {
  if (data.kind !== "compare") return null;
  const panels: ChartPanel[] = [];
  for (const [index, side] of sides.entries()) {
    const tokens = await engine.nextTokens(side, sideRun(data, side), CHART_TOKENS);
    panels.push({ ...panelTitle(data, side, index, engine), tokens });
  }
  const png = await renderNextTokenChart({
    title: `What each model expected next after “${oneLine(data.prompt, 70)}”`,
    panels,
  });
  return { png, expected: panels.map((p) => ({ label: p.title, tokens: p.tokens })) };
}

/**
 * Posts the message under a finished result: for a comparison, the next-token chart and the vote buttons;
 * for every result, the button that shows the exact prompts. Its id is saved into the job.
 */
export async function postFooter(
  job: Job<GenerationJob, GenerationResult>,
  data: GenerationJob,
  outputs: ReturnType<typeof jobOutputs>,
  deps: { engine: Engine; scheduler: MessageScheduler },
  log: Logger,
): Promise<void> {
  const sides = outputs.sides.map(({ side }) => side);
  const chart = await expectations(data, sides, deps.engine).catch((err: unknown) => {
    log.error({ err }, "could not draw the next-token chart");
    return null;
  });
  const votable = isVotable(data);
  const view = { votable, blind: data.blind ?? false, expected: chart?.expected ?? null };
  const components = resultButtonRows(data.interactionId, votable, voteNames(data.blind ?? false, sides));
  // Posted under the last side's messages, through the same channel budget as they are.
  const last = outputs.sides.at(-1)?.stream.post;
  const post = (content: string, extras: MessageExtras, nonceKey: string) => {
    const footer = deps.scheduler.open({
      channelId: data.target.channelId,
      nonceKey,
      render: () => ({ pieces: [content], status: "", extras }),
      ...(last ? { after: last } : {}),
    });
    return footer.finish().then(() => footer.messageIds[0] ?? "");
  };
  const jobId = job.id ?? data.interactionId;
  let id: string;
  try {
    id = await post(
      renderFooter(view),
      {
        components,
        files: chart ? [{ name: "next-tokens.png", data: chart.png, contentType: "image/png" }] : [],
      },
      `${jobId}:footer`,
    );
  } catch (error) {
    // Without Attach Files the chart cannot go up; the buttons and the text version still can.
    if (!(chart && error instanceof DiscordAPIError && error.code === MISSING_PERMISSIONS)) throw error;
    log.warn({ channelId: data.target.channelId }, "no Attach Files permission: footer posted without the chart");
    id = await post(renderFooter({ ...view, chartMissing: true }), { components }, `${jobId}:footer-text`);
  }
  await outputs.saveFooter(id);
}
