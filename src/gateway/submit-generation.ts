import { randomInt } from "node:crypto";
import {
  ChannelType,
  DiscordAPIError,
  PermissionFlagsBits,
  Routes,
  type ChatInputCommandInteraction,
} from "discord.js";
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
import { PrivateRefusal, UserError } from "../shared/errors.js";
import { parseRequest, type GenerationRequest } from "./request-options.js";
import { withTimeout } from "../shared/with-timeout.js";
import { NOT_QUEUED, redisCall } from "./redis-call.js";

/**
 * The whole of a generation command: validate, acknowledge, header, thread (or in place), enqueue.
 * Throws a UserError for bad input before anything is sent, so it can be answered ephemerally.
 */
export async function submitGeneration(
  interaction: ChatInputCommandInteraction,
  kind: JobKind,
  promptName: string,
  context: CommandContext,
): Promise<void> {
  const { config, log, redis } = context;
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

  // Acknowledged before anything waits on Redis: in a burst, every interaction's acknowledgement goes out as its
  // event is read, not after the others' Redis round trips.
  await interaction.deferReply();
  context.metrics.ackLatency.observe((Date.now() - interaction.createdTimestamp) / 1000);
  const lease = { userId: interaction.user.id, guildId: interaction.guildId, requestId: jobIdFor(interaction.id) };
  // Where Redis is slow or down, limits cannot apply: the queue calls after it tell the member.
  const verdict = await withTimeout(
    acquireLease(redis, config.redis.prefix, config.limits, lease),
    LEASE_TIMEOUT_MS,
    "limits",
  ).catch((error: unknown) => {
    log.warn({ err: error }, "limits unavailable");
    return { ok: true, held: false } as const;
  });
  if (!verdict.ok) throw new PrivateRefusal(limitText(verdict, config.limits));
  try {
    await queueRequest(interaction, kind, request, variant, placement, context);
  } catch (error) {
    // A lease this request already held belongs to its first delivery, still waiting or generating. Given back
    // in the background: the member's answer does not wait for a Redis that may be the trouble.
    if (!verdict.held) {
      releaseLease(redis, config.redis.prefix, lease).catch((err: unknown) =>
        log.warn({ err }, "could not give back the in-flight lease"),
      );
    }
    throw error;
  }
}

/** How long the limits may take; past it, the request goes on without them. */
const LEASE_TIMEOUT_MS = 300;

/** Acknowledges, writes the header, opens the thread (or not) and enqueues the job. */
async function queueRequest(
  interaction: ChatInputCommandInteraction,
  kind: JobKind,
  request: GenerationRequest,
  variant: RequestVariant,
  initialPlacement: Placement,
  { config, queue, log, metrics, redis, endings }: CommandContext,
): Promise<void> {
  let placement = initialPlacement;
  const shape = jobShape(kind, variant);
  // /ask inside a thread continues the conversation the bot has had there.
  const conversation =
    kind === "ask" && placement.mode === "inPlace" && placement.why === "inThread"
      ? boundConversation(
          await redisCall(
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
    waiting: await redisCall(() => waitingCount(queue), { log, metrics }, NOT_QUEUED),
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
  // From here on the job may end at any time: its header loses the Stop button then.
  endings.track(interaction);

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

  const adding = enqueue(queue, {
    v: JOB_VERSION,
    kind,
    prompt: request.prompt,
    sampling: request.sampling,
    pairId: "default",
    requestedBy: { userId: interaction.user.id, displayName: header.requester },
    interactionId: interaction.id,
    target: {
      guildId: interaction.guildId,
      channelId,
      outputs: {},
      header: { channelId: interaction.channelId, messageId: reply.id },
    },
    createdAt: Date.now(),
    ...shape,
    ...(conversation && conversation.history.length > 0
      ? { history: conversation.history, omittedTurns: conversation.omitted }
      : {}),
  });
  const thread = channelId === interaction.channelId ? null : channelId;
  const state: { outcome: "pending" | "queued" | "failed"; toldMaybe: boolean } = {
    outcome: "pending",
    toldMaybe: false,
  };
  adding.then(
    () => {
      state.outcome = "queued";
    },
    (error: unknown) => {
      state.outcome = "failed";
      // Not queued: close the thread no job will answer in. Where the member was already told it might have
      // been queued, say now that it was not.
      if (thread !== null) void closeThread(interaction, thread, log);
      if (!state.toldMaybe) return;
      log.warn({ err: error }, "the request was not queued after all");
      void interaction
        .editReply({ content: NOT_QUEUED, embeds: [], components: [], allowedMentions: { parse: [] } })
        .catch((err: unknown) => log.warn({ err }, "could not say that the request was not queued"));
    },
  );
  try {
    await redisCall(() => adding, { log, metrics }, MAYBE_QUEUED);
  } catch (error) {
    if (state.outcome !== "failed" && error instanceof UserError) state.toldMaybe = true;
    else if (error instanceof UserError) throw new UserError(error.message.replace(MAYBE_QUEUED, NOT_QUEUED));
    throw error;
  }
  log.info(
    { interactionId: interaction.id, userId: interaction.user.id, kind, channelId, placement: placement.mode },
    "request queued",
  );
}

/**
 * Closes a thread no job will answer in: deleted where the bot may (Manage Threads), else renamed and
 * archived, so nobody waits in it.
 */
async function closeThread(interaction: ChatInputCommandInteraction, threadId: string, log: CommandContext["log"]) {
  const rest = interaction.client.rest;
  try {
    if (interaction.appPermissions.has(PermissionFlagsBits.ManageThreads)) {
      await rest.delete(Routes.channel(threadId));
    } else {
      await rest.patch(Routes.channel(threadId), {
        body: { name: "not queued (see the request above)", archived: true },
      });
    }
    log.info({ threadId }, "closed the thread of a request that was not queued");
  } catch (err) {
    log.warn({ err, threadId }, "could not close the thread of a request that was not queued");
  }
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

const MAYBE_QUEUED =
  "The request queue did not confirm your request in time. If it went through, the answer will still appear here; if nothing appears, please try again in a minute.";

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
