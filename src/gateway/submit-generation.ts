import { randomInt } from "node:crypto";
import { ChannelType, DiscordAPIError, Routes, type ChatInputCommandInteraction } from "discord.js";
import type { CommandContext } from "./command.js";
import { choosePlacement, type Placement } from "./placement.js";
import { oneLine } from "../shared/labels.js";
import { readGenerationOptions, readVariant, type RequestVariant } from "./generation-options.js";
import { renderHeader } from "./render-header.js";
import { stopButtonRow } from "./stop-button.js";
import {
  enqueue,
  JOB_VERSION,
  jobIdFor,
  MAX_HISTORY_TURNS,
  waitingCount,
  type GenerationJob,
  type JobKind,
  type Turn,
} from "../shared/jobs.js";
import { loadConversation } from "../shared/store/conversations.js";
import { acquireLease, limitText, releaseLease } from "../shared/store/limits.js";
import { checkAllowlist } from "./allowlist.js";
import { modelDisplayName } from "./model-name.js";
import { ZodError } from "zod";
import { newErrorId, UserError } from "../shared/errors.js";
import { parseRequest, type GenerationRequest } from "./request-options.js";
import { withTimeout } from "../shared/with-timeout.js";

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
  const variant = readVariant(interaction);
  if (variant.blind && variant.mode === "matrix") {
    throw new UserError(
      "Blind voting compares two answers, so it works with the pair mode only. Leave out `mode`, or leave out `blind`.",
    );
  }
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

  const lease = { userId: interaction.user.id, guildId: interaction.guildId, requestId: jobIdFor(interaction.id) };
  const verdict = await acquireLease(redis, config.redis.prefix, config.limits, lease).catch((error: unknown) => {
    // Redis is unreachable: the queue call below tells the user; limits cannot apply to nothing.
    log.warn({ err: error }, "limits unavailable");
    return { ok: true } as const;
  });
  if (!verdict.ok) throw new UserError(limitText(verdict, config.limits));
  try {
    await queueRequest(interaction, kind, request, variant, placement, { config, queue, log, metrics, redis });
  } catch (error) {
    await releaseLease(redis, config.redis.prefix, lease).catch(() => {});
    throw error;
  }
}

/** Acknowledges, writes the header, opens the thread (or not) and enqueues the job. */
async function queueRequest(
  interaction: ChatInputCommandInteraction,
  kind: JobKind,
  request: GenerationRequest,
  variant: RequestVariant,
  initialPlacement: Placement,
  { config, queue, log, metrics, redis }: CommandContext,
): Promise<void> {
  let placement = initialPlacement;
  await interaction.deferReply();
  metrics.ackLatency.observe((Date.now() - interaction.createdTimestamp) / 1000);
  const shape = jobShape(kind, variant);
  // /ask inside a thread continues the conversation the bot has had there.
  const conversation =
    kind === "ask" && placement.mode === "inPlace" && placement.why === "inThread"
      ? boundConversation(
          await queueCall(
            () => loadConversation(redis, config.redis.prefix, interaction.channelId),
            { log, metrics },
            NOT_QUEUED,
          ),
        )
      : null;
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
    matrix: shape.mode === "matrix",
    blind: shape.blind === true,
    fewShot: shape.fewShot === true,
    ...(conversation && conversation.history.length > 0
      ? { conversation: { turns: conversation.history.length, omitted: conversation.omitted } }
      : {}),
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
        ...shape,
        ...(conversation && conversation.history.length > 0
          ? { history: conversation.history, omittedTurns: conversation.omitted }
          : {}),
      }),
    { log, metrics },
    MAYBE_QUEUED,
  );
  log.info(
    { interactionId: interaction.id, userId: interaction.user.id, kind, channelId, placement: placement.mode },
    "request queued",
  );
}

/** The job fields a variant sets: the matrix, a blind comparison in a random order, few-shot. */
function jobShape(kind: JobKind, variant: RequestVariant): Pick<GenerationJob, "mode" | "blind" | "order" | "fewShot"> {
  if (kind === "compare" && variant.mode === "matrix") return { mode: "matrix" };
  if (kind === "compare" && variant.blind) {
    return { blind: true, order: randomInt(2) === 0 ? ["base", "instruct"] : ["instruct", "base"] };
  }
  if (kind === "complete" && variant.fewShot) return { fewShot: true };
  return {};
}

/** The most characters of earlier turns a job carries (far more than a small model's context holds). */
const MAX_HISTORY_CHARS = 60_000;

/** The latest turns of a conversation that a job can carry, and how many earlier ones were left out. */
function boundConversation(turns: readonly Turn[]): { history: Turn[]; omitted: number } {
  const history: Turn[] = [];
  let chars = 0;
  for (const turn of [...turns].reverse()) {
    chars += turn.prompt.length + turn.answer.length;
    if (history.length >= MAX_HISTORY_TURNS || chars > MAX_HISTORY_CHARS) break;
    history.unshift(turn);
  }
  return { history, omitted: turns.length - history.length };
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
