import type { Job } from "bullmq";
import type { MessageExtras, MessageScheduler } from "./output/message-scheduler.js";
import { isMissingPermissions, type Footer } from "./output/output-stream.js";
import { renderFooter } from "./output/render-footer.js";
import { expectations } from "./expectations.js";
import { resultButtonRows, voteNames } from "../src/shared/result-buttons.js";
import type { GenerationJob, GenerationResult, Side, SideResult } from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import type { Logger } from "../src/shared/log.js";
import { isVotable } from "../src/shared/store/results.js";
import type { jobOutputs } from "./job-outputs.js";

/**
 * The footer of a finished result: for a comparison, the next-token chart and the vote buttons (none where a
 * member pressed Stop: it says why); for every result, the button that shows the exact prompts.
 */
export async function composeFooter(
  job: Job<GenerationJob, GenerationResult>,
  data: GenerationJob,
  sides: readonly Side[],
  results: ReadonlyMap<Side, SideResult>,
  engine: Engine,
  log: Logger,
): Promise<Footer> {
  const chart = await expectations(data, sides, engine, results).catch((err: unknown) => {
    log.error({ err, jobId: job.id }, "could not draw the next-token chart");
    return null;
  });
  const stopped = [...results.values()].some((result) => result.stopReason === "aborted");
  const votable = isVotable(data) && !stopped;
  const view = {
    votable,
    stopped: isVotable(data) && stopped,
    blind: data.blind ?? false,
    expected: chart?.expected ?? null,
  };
  const components = resultButtonRows(data.interactionId, votable, voteNames(data.blind ?? false, sides));
  if (!chart) return { text: renderFooter(view), extras: { components } };
  return {
    text: renderFooter(view),
    extras: { components, files: [{ name: "next-tokens.png", data: chart.png, contentType: "image/png" }] },
    // Without Attach Files the chart cannot go up; the buttons and the text version still can.
    withoutChart: { text: renderFooter({ ...view, chartMissing: true }), extras: { components } },
  };
}

/**
 * Posts the footer as a message of its own under the last side (when it could not ride on that side's final
 * edit). Its id is saved into the job.
 */
export async function postFooter(
  job: Job<GenerationJob, GenerationResult>,
  data: GenerationJob,
  outputs: ReturnType<typeof jobOutputs>,
  deps: { engine: Engine; scheduler: MessageScheduler },
  log: Logger,
  results: ReadonlyMap<Side, SideResult> = new Map(),
): Promise<void> {
  const sides = outputs.sides.map(({ side }) => side);
  const footer = await composeFooter(job, data, sides, results, deps.engine, log);
  // Posted under the last side's messages, through the same channel budget as they are.
  const last = outputs.sides.at(-1)?.stream.post;
  const post = (content: string, extras: MessageExtras, nonceKey: string) => {
    const message = deps.scheduler.open({
      channelId: data.target.channelId,
      nonceKey,
      render: () => ({ pieces: [content], status: "", extras }),
      ...(last ? { after: last } : {}),
    });
    return message.finish().then(() => message.messageIds[0] ?? "");
  };
  const jobId = job.id ?? data.interactionId;
  let id: string;
  try {
    id = await post(footer.text, footer.extras, `${jobId}:footer`);
  } catch (error) {
    if (!(footer.withoutChart && isMissingPermissions(error))) throw error;
    log.warn({ channelId: data.target.channelId }, "no Attach Files permission: footer posted without the chart");
    id = await post(footer.withoutChart.text, footer.withoutChart.extras, `${jobId}:footer-text`);
  }
  await outputs.saveFooter(id);
}
