import { REST, Routes } from "discord.js";
import type { Command } from "./command.js";
import { loadConfig, requireToken, type Config } from "./config.js";
import { loadCommands } from "./load-commands.js";
import { createLogger, type Logger } from "./log.js";
import { runMain } from "./run-main.js";

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

async function main(log: Logger, config: Config): Promise<void> {
  const rest = new REST({ api: config.discord.apiUrl }).setToken(requireToken(config, "register script"));
  const commands = await loadCommands();
  const where = await registerCommands(rest, await applicationIdOf(rest, config), commands, config.discord.guildId);
  log.info({ where, commands: [...commands.keys()] }, "commands registered");
}

runMain(import.meta.url, "register", async () => {
  const config = loadConfig();
  await main(createLogger("register", config.logLevel), config);
});
