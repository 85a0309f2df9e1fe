import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../shared/config.js";
import { claimTableSchema, type ClaimTable } from "./claim-table.js";
import { README_CLAIMS } from "./tour-claims.js";

/** The built-in table's name for `--claims`. */
export const README_TABLE = "readme";

/**
 * The table `--claims` names: `readme` (the default: the README's "What to try", for real pairs), or a file: a
 * JSON file, or a module (`.ts` or `.js`) whose default export is the table. Throws {@link ConfigError} (exit
 * status 2) for a file that cannot be read or is not a valid table, naming what is wrong.
 */
export async function loadClaimTable(name: string): Promise<ClaimTable> {
  if (name === README_TABLE) return claimTableSchema.parse(README_CLAIMS);
  const path = resolve(name);
  let data: unknown;
  try {
    data = path.endsWith(".json")
      ? JSON.parse(await readFile(path, "utf8"))
      : ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new ConfigError(`--claims: cannot read ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = claimTableSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(table)"}: ${issue.message}`);
    throw new ConfigError(`--claims: ${name} is not a valid claims table:\n${issues.join("\n")}`);
  }
  return parsed.data;
}
