import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../shared/config.js";
import { runMain } from "../shared/run-main.js";
import { LiveArea } from "./live-area.js";
import { loadClaimTable, README_TABLE } from "./load-claim-table.js";
import { loadTerminalEngine } from "./load-engine.js";
import { DEFAULT_TYPICALLY, mostOf, runTour } from "./run-tour.js";
import { styleFor } from "./terminal-text.js";
import { tourTable } from "./tour-table.js";

const USAGE = `Usage: npm run tour -- [--claims readme|<file>] [--max-tokens <n>]
       bvi-tour [options]

Runs the README's "What to try" on the configured models (BASE_MODEL, INSTRUCT_MODEL) and checks each claim
the README makes about what they do, with the bot's own code. Prints a table: the claim, what happened,
whether it holds. Plain claims run once at temperature 0; "typically" claims run on seeds 1 to 5 at
temperature 0.7 and hold when more than half of the seeds hold.

Options:
  --claims <table>   readme (default): the README's claims, for a real base/instruct pair; or a file: a JSON
                     file or a .ts/.js module whose default export is a claims table (src/cli/claim-table.ts
                     describes it; test/support/tour-claims.ts is the one for the tests' tiny models)
  --max-tokens <n>   most tokens per side (default and cap: MAX_NEW_TOKENS)
  -h, --help         this text

Exit status: 0 every claim holds, 1 a claim does not hold (or the run failed), 2 bad arguments or
configuration.`;

function parseTourArgs(args: readonly string[]) {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        claims: { type: "string" },
        "max-tokens": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    return { claims: values.claims ?? README_TABLE, maxTokens: values["max-tokens"], help: values.help ?? false };
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/**
 * `npm run tour`: checks the README's claims about a base/instruct pair on the configured models. Exits 1 when a
 * claim does not hold.
 */
runMain(import.meta.url, "tour", async () => {
  const args = parseTourArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const cap = config.worker.maxNewTokens;
  const maxTokens = args.maxTokens === undefined ? cap : Number(args.maxTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > cap) {
    throw new ConfigError(`--max-tokens must be a whole number from 1 to ${cap} (MAX_NEW_TOKENS)`);
  }
  const table = await loadClaimTable(args.claims);
  const engine = await loadTerminalEngine(config, "tour", process.stderr);
  const out = process.stdout;
  const style = styleFor(out);
  const typically = table.typically ?? DEFAULT_TYPICALLY;
  const { models } = engine.info;
  out.write(
    [
      style.bold(
        `Claims of ${table.name}, on base ${models.base.name} and instruct ${models.instruct.name} (${engine.info.backend})`,
      ),
      style.dim(
        `Plain claims: temperature 0, at most ${maxTokens} tokens per side. “Typically” claims: seeds 1 to ${typically.seeds} ` +
          `at temperature ${typically.temperature}; one holds when at least ${mostOf(typically.seeds)} of ${typically.seeds} seeds hold.`,
      ),
      "",
    ].join("\n"),
  );
  const progress = process.stderr.isTTY === true ? new LiveArea(process.stderr) : null;
  let results;
  try {
    results = await runTour(engine, table, {
      maxTokens,
      systemPrompt: config.models.systemPrompt,
      onStep: (index, step) => {
        const line = `step ${index + 1} of ${table.steps.length}: ${step.command}`;
        if (progress) progress.set([line]);
        else process.stderr.write(`tour: ${line}\n`);
      },
    });
  } finally {
    progress?.close();
    await engine.dispose();
  }
  const width = out.isTTY === true ? (out.columns || 120) - 1 : 120;
  out.write(`${tourTable(results, width, style).join("\n")}\n\n`);
  const failed = results.filter((r) => !r.holds).length;
  out.write(
    failed === 0
      ? style.good(`All ${results.length} claims hold.\n`)
      : style.bad(`${failed} of ${results.length} claims do not hold.\n`),
  );
  if (failed > 0) process.exitCode = 1;
});
