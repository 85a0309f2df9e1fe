import type { Job } from "bullmq";
import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { MessageExtras, MessageScheduler } from "./output/message-scheduler.js";
import { renderFooter } from "./output/render-footer.js";
import { expectations } from "./expectations.js";
import { resultButtonRows, voteNames } from "../src/shared/result-buttons.js";
import type { GenerationJob, GenerationResult, Side, SideResult } from "../src/shared/jobs.js";
import type { Engine } from "./engine/engine.js";
import type { Logger } from "../src/shared/log.js";
import { isVotable } from "../src/shared/store/results.js";
import type { jobOutputs } from "./job-outputs.js";

const MISSING_PERMISSIONS = RESTJSONErrorCodes.MissingPermissions;

/**
 * Posts the message under a finished result: for a comparison, the next-token chart and the vote buttons
 * (none where a member pressed Stop: the footer says why); for every result, the button that shows the exact
 * prompts. Its id is saved into the job.
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
  const chart = await expectations(data, sides, deps.engine, results).catch((err: unknown) => {
    log.error({ err }, "could not draw the next-token chart");
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
