import type { Command } from "./command.js";

/**
 * Loads the command list from `commands/index.ts` at run time, as discord.js's guide does, so that
 * `src/` never imports `commands/` statically (commands depend on src, not the other way round).
 */
export async function loadCommands(): Promise<ReadonlyMap<string, Command>> {
  const module = (await import(new URL("../commands/index.js", import.meta.url).href)) as {
    commands: ReadonlyMap<string, Command>;
  };
  return module.commands;
}
