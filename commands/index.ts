import type { Command } from "../src/gateway/command.js";
import ask from "./ask.js";
import compare from "./compare.js";
import complete from "./complete.js";
import exportPreferences from "./export-preferences.js";
import forgetMe from "./forget-me.js";
import leaderboard from "./leaderboard.js";
import models from "./models.js";
import purgeServerData from "./purge-server-data.js";
import queueStatus from "./queue-status.js";

/** Every slash command the bot has, by name. */
export const commands: ReadonlyMap<string, Command> = new Map(
  [compare, ask, complete, models, leaderboard, forgetMe, exportPreferences, queueStatus, purgeServerData].map(
    (command) => [command.data.toJSON().name, command] as const,
  ),
);
