import { QueueEvents } from "bullmq";
import { DiscordAPIError, RESTJSONErrorCodes, Routes, type ChatInputCommandInteraction, type Client } from "discord.js";
import { Redis } from "ioredis";
import type { Config } from "../shared/config.js";
import { failureText, parseFailure } from "../shared/job-failure.js";
import { QUEUE_NAME, type GenerationQueue } from "../shared/jobs.js";
import type { Logger } from "../shared/log.js";
import { withTimeout } from "../shared/with-timeout.js";

/** An interaction token lasts 15 minutes; past this, headers are edited with the bot token instead. */
const TOKEN_LIFETIME_MS = 14 * 60_000;
/** The job ids the gateway makes: `ix-<interaction id>`. */
const JOB_ID = /^ix-(\d+)$/;

/** Updates each request's header when its job ends: the Stop button goes, and a failure is explained. */
export interface RequestEndings {
  /** Remembers a request's interaction, so its header is edited through it while its token lasts. */
  track(interaction: ChatInputCommandInteraction): void;
  close(): Promise<void>;
}

/**
 * Listens for jobs that end (BullMQ's queue events: completed, or failed for good) and edits their headers:
 * through the interaction while its token lasts (interaction routes do not count against the bot's global
 * request budget), else with the bot token at the header's recorded place.
 */
export function watchRequestEndings({
  config,
  queue,
  client,
  log,
}: {
  config: Config;
  queue: GenerationQueue;
  client: Client;
  log: Logger;
}): RequestEndings {
  const tracked = new Map<string, ChatInputCommandInteraction>();
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  connection.on("error", () => {}); // the gateway's main connection reports Redis trouble
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix: config.redis.prefix });
  events.on("error", (err) => log.warn({ err }, "queue events error"));

  const prune = () => {
    const now = Date.now();
    for (const [id, interaction] of tracked) {
      if (now - interaction.createdTimestamp > TOKEN_LIFETIME_MS) tracked.delete(id);
    }
  };
  const timer = setInterval(prune, 60_000);
  timer.unref();

  const ended = async (jobId: string, failedReason: string | null) => {
    const interactionId = JOB_ID.exec(jobId)?.[1];
    if (interactionId === undefined) return;
    const interaction = tracked.get(interactionId);
    tracked.delete(interactionId);
    const inDm = interaction ? !interaction.inGuild() : false;
    const content = failedReason === null ? undefined : `⚠️ ${failureText(parseFailure(failedReason), inDm)}`;
    const edit = { components: [], ...(content === undefined ? {} : { content }) };
    try {
      if (interaction && Date.now() - interaction.createdTimestamp < TOKEN_LIFETIME_MS) {
        const done = await interaction.editReply({ ...edit, allowedMentions: { parse: [] } }).then(
          () => true,
          (error: unknown) => {
            // A token Discord no longer takes (it ended early): the bot token still can.
            if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.InvalidWebhookToken) return false;
            throw error;
          },
        );
        if (done) return;
      }
      const job = await withTimeout(queue.getJob(jobId), 5_000, "Redis");
      const header = job?.data.target.header;
      if (!header) return;
      await client.rest.patch(Routes.channelMessage(header.channelId, header.messageId), {
        body: { ...edit, allowed_mentions: { parse: [] } },
      });
    } catch (err) {
      log.warn({ err, jobId }, "could not update the request's header after it ended");
    }
  };
  events.on("completed", ({ jobId }) => void ended(jobId, null));
  events.on("failed", ({ jobId, failedReason }) => void ended(jobId, failedReason));
  // Not awaited: the gateway starts (and answers that the queue is down) while Redis is away.

  return {
    track(interaction) {
      tracked.set(interaction.id, interaction);
    },
    async close() {
      clearInterval(timer);
      // Where Redis is away, closing would wait for it: give up after a moment.
      await withTimeout(events.close(), 2_000, "queue events").catch(() => {});
      connection.disconnect();
    },
  };
}
