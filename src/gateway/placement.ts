import { ChannelType, PermissionFlagsBits } from "discord.js";
import { UserError } from "../shared/errors.js";

/** Where a request's outputs go: a new thread on the header, or the channel the command came from. */
export type Placement = { mode: "thread" } | { mode: "inPlace"; why: "dm" | "inThread" | "noThreads" | "noPermission" };

export interface PlacementInput {
  inGuild: boolean;
  channelType: ChannelType | null;
  /**
   * The bot's permissions in the channel, as Discord sends them with the interaction (`app_permissions`);
   * null where they are not known, and then a thread is tried (the caller falls back on refusal).
   */
  appPermissions: bigint | null;
}

const THREAD_TYPES = new Set<ChannelType>([
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);
const THREADABLE = new Set<ChannelType>([ChannelType.GuildText, ChannelType.GuildAnnouncement]);

const has = (bits: bigint, ...flags: bigint[]) => flags.every((flag) => (bits & flag) === flag);

/**
 * Decides where the outputs go. A thread where one can be opened; else in place, where the bot can
 * post; else a {@link UserError} that says what the bot is missing.
 */
export function choosePlacement(input: PlacementInput): Placement {
  if (!input.inGuild) return { mode: "inPlace", why: "dm" };
  if (input.appPermissions === null) return { mode: "thread" };
  const p = input.appPermissions;
  const { ViewChannel, SendMessages, SendMessagesInThreads, CreatePublicThreads } = PermissionFlagsBits;
  if (input.channelType !== null && THREAD_TYPES.has(input.channelType)) {
    if (has(p, ViewChannel, SendMessagesInThreads)) return { mode: "inPlace", why: "inThread" };
    throw new UserError("I can't post in this thread. An admin can give me **Send Messages in Threads** here.");
  }
  const threadable = input.channelType === null || THREADABLE.has(input.channelType);
  if (threadable && has(p, ViewChannel, CreatePublicThreads, SendMessagesInThreads)) return { mode: "thread" };
  if (has(p, ViewChannel, SendMessages)) return { mode: "inPlace", why: threadable ? "noPermission" : "noThreads" };
  throw new UserError(
    "I can't post in this channel. An admin can give me **View Channel** and **Send Messages** here (and **Create Public Threads** for a thread per request), or try another channel.",
  );
}
