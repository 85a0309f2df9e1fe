import { REST } from "discord.js";
import { commands } from "../../commands/index.js";
import { applicationIdOf, registerCommands } from "../gateway/register-commands.js";
import { loadConfig, requireToken } from "../shared/config.js";
import { createLogger } from "../shared/log.js";
import { runMain } from "../shared/run-main.js";

/** `npm run register`: registers the slash commands without starting the bot. */
runMain(import.meta.url, "register", async () => {
  const config = loadConfig();
  const log = createLogger("register", config.logLevel);
  const rest = new REST({ api: config.discord.apiUrl }).setToken(requireToken(config, "register script"));
  const where = await registerCommands(rest, await applicationIdOf(rest, config), commands, config.discord.guildId);
  log.info({ where, commands: [...commands.keys()] }, "commands registered");
});
