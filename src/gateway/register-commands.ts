import { Routes, type REST } from "discord.js";
import type { Config } from "../shared/config.js";
import type { Command } from "./command.js";

/**
 * Registers (bulk-overwrites) the slash commands: in `DISCORD_GUILD_ID` when set (instant), else
 * globally. Returns where they went.
 */
export async function registerCommands(
  rest: REST,
  applicationId: string,
  commands: ReadonlyMap<string, Command>,
  guildId: string | undefined,
): Promise<string> {
  const body = [...commands.values()].map((command) => command.data.toJSON());
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  await rest.put(route, { body });
  return guildId ? `guild ${guildId}` : "global";
}

/** The application id: `DISCORD_APPLICATION_ID`, else asked of Discord with the token. */
export async function applicationIdOf(rest: REST, config: Config): Promise<string> {
  if (config.discord.applicationId) return config.discord.applicationId;
  const app = (await rest.get(Routes.currentApplication())) as { id: string };
  return app.id;
}
