import { ChannelType, DiscordAPIError, Routes, type ChatInputCommandInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { choosePlacement, type Placement } from "./discord/placement.js";
import { oneLine } from "./discord/labels.js";
import { readGenerationOptions } from "./discord/generation-options.js";
import { renderHeader } from "./discord/render-header.js";
import { stopButtonRow } from "./discord/stop-button.js";
import { enqueue, JOB_VERSION, jobIdFor, waitingCount, type JobKind } from "./jobs.js";
import { acquireSlot, limitText, releaseSlot } from "./limits.js";
import { checkAllowlist } from "./allowlist.js";
import { modelDisplayName } from "./model-name.js";
import { ZodError } from "zod";
import { newErrorId, UserError } from "./errors.js";
import { parseRequest, type GenerationRequest } from "./request-options.js";
import { withTimeout } from "./with-timeout.js";

/**
 * The whole of a generation command: validate, acknowledge, header, thread (or in place), enqueue.
 * Throws a UserError for bad input before anything is sent, so it can be answered ephemerally.
 */
export async function submitGeneration(
  interaction: ChatInputCommandInteraction,
  kind: JobKind,
  promptName: string,
  { config, queue, log, metrics, redis }: CommandContext,
): Promise<void> {
  const request = parseRequest(readGenerationOptions(interaction, promptName), {
    maxNewTokens: config.worker.maxNewTokens,
  });
  checkAllowlist(config.allow, {
    inGuild: interaction.inGuild(),
    channelId: interaction.channelId,
    parentId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
    roleIds: memberRoleIds(interaction),
  });
  const placement: Placement = choosePlacement({
    inGuild: interaction.inGuild(),
    channelType: interaction.channel?.type ?? rawChannelType(interaction),
    // discord.js turns a missing app_permissions into 0; a bot with no permission at all would not
    // receive this interaction's channel, so treat 0 as "not sent" and try.
    appPermissions: interaction.appPermissions.bitfield === 0n ? null : interaction.appPermissions.bitfield,
  });

  const slot = { userId: interaction.user.id, guildId: interaction.guildId, requestId: jobIdFor(interaction.id) };
  const verdict = await acquireSlot(redis, config.redis.prefix, config.limits, slot).catch((error: unknown) => {
    // Redis is unreachable: the queue call below tells the user; limits cannot apply to nothing.
    log.warn({ err: error }, "limits unavailable");
    return { ok: true } as const;
  });
  if (!verdict.ok) throw new UserError(limitText(verdict, config.limits));
  try {
    await queueRequest(interaction, kind, request, placement, { config, queue, log, metrics, redis });
  } catch (error) {
    await releaseSlot(redis, config.redis.prefix, slot).catch(() => {});
    throw error;
  }
}

/** Acknowledges, writes the header, opens the thread (or not) and enqueues the job. */
async function queueRequest(
  interaction: ChatInputCommandInteraction,
  kind: JobKind,
  request: GenerationRequest,
  initialPlacement: Placement,
  { config, queue, log, metrics }: CommandContext,
): Promise<void> {
  let placement = initialPlacement;
  await interaction.deferReply();
  metrics.ackLatency.observe((Date.now() - interaction.createdTimestamp) / 1000);
  const header = {
    kind,
    prompt: request.prompt,
    requester:
      interaction.member && "displayName" in interaction.member
        ? interaction.member.displayName
        : interaction.user.displayName,
    models: { base: modelDisplayName(config.models.base), instruct: modelDisplayName(config.models.instruct) },
    sampling: request.sampling,
    waiting: await queueCall(() => waitingCount(queue), { log, metrics }, NOT_QUEUED),
    placement,
  };
  const reply = await interaction.editReply({
    embeds: [renderHeader(header)],
    components: [stopButtonRow(interaction.id)],
    allowedMentions: { parse: [] },
  });

  let channelId = interaction.channelId;
  if (placement.mode === "thread") {
    try {
      const thread = (await interaction.client.rest.post(Routes.threads(channelId, reply.id), {
        body: { name: threadName(kind, request.prompt), auto_archive_duration: 1440 },
      })) as { id: string };
      channelId = thread.id;
    } catch (error) {
      // Any refusal (missing permission or access, a channel type without threads, a thread already there):
      // answer in place. Server errors and network failures are not refusals.
      if (!(error instanceof DiscordAPIError) || error.status < 400 || error.status >= 500 || error.status === 429) {
        throw error;
      }
      log.warn({ channelId, code: error.code }, "thread refused; answering in place");
      placement = { mode: "inPlace", why: "noPermission" };
      await interaction.editReply({
        embeds: [renderHeader({ ...header, placement })],
        components: [stopButtonRow(interaction.id)],
        allowedMentions: { parse: [] },
      });
    }
  }

  await queueCall(
    () =>
      enqueue(queue, {
        v: JOB_VERSION,
        kind,
        prompt: request.prompt,
        sampling: request.sampling,
        pairId: "default",
        requestedBy: { userId: interaction.user.id, displayName: header.requester },
        interactionId: interaction.id,
        target: { guildId: interaction.guildId, channelId, outputs: {} },
        createdAt: Date.now(),
      }),
    { log, metrics },
    MAYBE_QUEUED,
  );
  log.info(
    { interactionId: interaction.id, userId: interaction.user.id, kind, channelId, placement: placement.mode },
    "request queued",
  );
}

/** How long the gateway waits for Redis before answering the user without it. */
const QUEUE_TIMEOUT_MS = 2_000;
const NOT_QUEUED = "The request queue is unavailable right now, so nothing was queued. Please try again in a minute.";
const MAYBE_QUEUED =
  "The request queue did not confirm your request in time. If it went through, the answer will still appear here; if nothing appears, please try again in a minute.";

/**
 * Runs a queue operation; if Redis fails or does not answer in time, logs it and throws a UserError
 * with `failure` and an error id, so the interaction ends with a clear answer instead of hanging.
 */
async function queueCall<T>(
  operation: () => Promise<T>,
  { log, metrics }: Pick<CommandContext, "log" | "metrics">,
  failure: string,
): Promise<T> {
  try {
    return await withTimeout(operation(), QUEUE_TIMEOUT_MS, "Redis");
  } catch (error) {
    if (error instanceof ZodError) throw error; // a bug in the job we built, not the queue
    const errorId = newErrorId();
    log.error({ err: error, errorId }, "queue unavailable");
    metrics.errors.inc({ kind: "queue_unavailable" });
    throw new UserError(`${failure} (error id \`${errorId}\`)`);
  }
}

/** A thread name: the command and the prompt's start, on one line, 1 to 100 characters. */
export function threadName(kind: JobKind, prompt: string): string {
  return oneLine(`${kind}: ${prompt}`, 100) || kind;
}

/** The member's role ids, whether discord.js has the member cached or only the raw payload. */
function memberRoleIds(interaction: ChatInputCommandInteraction): string[] {
  const roles = interaction.member?.roles;
  if (roles === undefined) return [];
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

function rawChannelType(interaction: ChatInputCommandInteraction): ChannelType | null {
  return interaction.inGuild() ? null : ChannelType.DM;
}
