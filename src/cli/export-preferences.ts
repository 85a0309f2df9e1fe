import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import { loadConfig, ConfigError } from "../shared/config.js";
import { preferenceRows, toJsonl, voteTotals } from "../shared/preferences/export.js";
import { connectRedis } from "../shared/redis.js";
import { adoptLegacyComparisons } from "../shared/store/adopt-legacy.js";
import { loadVotedComparisons } from "../shared/store/results.js";
import type { Retention } from "../shared/store/retention.js";
import { runMain } from "../shared/run-main.js";

export interface ExportOptions {
  /** One guild's comparisons ("dm" for direct messages); all when absent. */
  guild?: string | undefined;
  /** How long comparisons are kept, for comparisons an earlier version stored. Defaults to the default settings. */
  retention?: Retention | undefined;
}

/** Reads every stored comparison with its votes and returns the preference pairs as JSONL, with counts. */
export async function exportPreferences(
  redis: Redis,
  prefix: string,
  options: ExportOptions = {},
): Promise<{ jsonl: string; rows: number; comparisons: number; votes: { blind: number; labelled: number } }> {
  const scope =
    options.guild === undefined ? ("all" as const) : { guildId: options.guild === "dm" ? null : options.guild };
  await adoptLegacyComparisons(redis, prefix, options.retention);
  const comparisons = await loadVotedComparisons(redis, prefix, scope);
  const rows = preferenceRows(comparisons);
  return { jsonl: toJsonl(rows), rows: rows.length, comparisons: comparisons.length, votes: voteTotals(comparisons) };
}

/** A Redis URL fit to print: its password replaced. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(REDIS_URL)";
  }
}

const USAGE = `npm run export-preferences -- [--guild <id>|dm] [--out <file>]
Writes the members' votes as DPO preference pairs (JSONL: prompt, chosen, rejected, metadata),
to <file> or to standard output. Reads REDIS_URL and QUEUE_PREFIX like the bot.`;

runMain(import.meta.url, "export-preferences", async () => {
  let values: { guild?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      options: { guild: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const redis = connectRedis(config.redis.url, "script");
  let lastError: unknown = null;
  redis.on("error", (error: unknown) => (lastError = error)); // told once below, not on every retry
  try {
    const result = await exportPreferences(redis, config.redis.prefix, {
      guild: values.guild,
      retention: config.retention,
    }).catch((error: unknown) => {
      const cause = lastError instanceof Error ? lastError.message : (error as Error).message;
      throw new ConfigError(`could not read from Redis at ${withoutPassword(config.redis.url)}: ${cause}`);
    });
    if (values.out === undefined) process.stdout.write(result.jsonl);
    else await writeFile(values.out, result.jsonl);
    process.stderr.write(
      `${result.rows} preference pairs from ${result.comparisons} comparisons${values.out ? ` written to ${values.out}` : ""}\n` +
        `${result.votes.blind} blind and ${result.votes.labelled} labelled votes, apart in metadata.blindVotes and metadata.labelledVotes; stopped comparisons left out\n`,
    );
  } finally {
    redis.disconnect();
  }
});
