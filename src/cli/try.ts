import { ConfigError, loadConfig } from "../shared/config.js";
import { UserError } from "../shared/errors.js";
import { modelOf, sidesOf } from "../shared/jobs.js";
import { kindTitle, oneLine } from "../shared/labels.js";
import { runMain } from "../shared/run-main.js";
import { parseRequest } from "../gateway/request-options.js";
import { sideRun } from "../../workers/job-outputs.js";
import { cliJob } from "./cli-job.js";
import { columnsView, MIN_COLUMNS_WIDTH } from "./columns-view.js";
import { loadTerminalEngine } from "./load-engine.js";
import { rowsView } from "./rows-view.js";
import { runJobSides } from "./run-job-sides.js";
import type { SideView } from "./terminal-side.js";
import { styleFor } from "./terminal-text.js";
import { parseTryOptions, TRY_USAGE, type Layout } from "./try-options.js";

/** Columns on a terminal wide enough for them, unless `--layout` says which. */
function useColumns(layout: Layout, out: NodeJS.WriteStream): boolean {
  if (layout === "auto") return out.isTTY === true && (out.columns ?? 0) >= MIN_COLUMNS_WIDTH;
  return layout === "columns";
}

/**
 * `npm run try -- <prompt>`: the bot's comparison in a terminal, on the configured models, through the worker's
 * own code, without Discord or Redis.
 */
runMain(import.meta.url, "try", async () => {
  const options = parseTryOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${TRY_USAGE}\n`);
    return;
  }
  const config = loadConfig();
  let request;
  try {
    request = parseRequest(
      { prompt: options.prompt, temperature: options.temperature, maxTokens: options.maxTokens, seed: options.seed },
      { maxNewTokens: config.worker.maxNewTokens },
    );
  } catch (error) {
    // The bot's own checks; its option names read as this command's flags.
    if (error instanceof UserError) throw new ConfigError(error.message.replace("max_tokens", "--max-tokens"));
    throw error;
  }
  const job = cliJob({ kind: "compare", ...request, matrix: options.matrix, fewShot: options.fewShot });
  const engine = await loadTerminalEngine(config, "try", process.stderr);
  const out = process.stdout;
  const style = styleFor(out);
  const { sampling } = job;
  const models = engine.info.models;
  out.write(
    [
      `${style.bold(kindTitle("compare", options.matrix))}: “${oneLine(job.prompt, 200)}”`,
      style.dim(
        `base ${models.base.name} · instruct ${models.instruct.name} · ${engine.info.backend} · ` +
          `temperature ${sampling.temperature} · seed ${sampling.seed} · at most ${sampling.maxTokens} tokens per side`,
      ),
      ...(options.fewShot
        ? [style.dim("raw sides: the prompt inside a Q:/A: few-shot scaffold, stopped at the next “Q:”")]
        : []),
      "",
      "",
    ].join("\n"),
  );
  const views: SideView[] = sidesOf(job).map((side) => ({
    side,
    modelName: models[modelOf(side)].name,
    prompt: sideRun(job, side).prompt,
    maxTokens: sampling.maxTokens,
    showInput: options.prompts,
  }));
  const view = useColumns(options.layout, out) ? columnsView(views, out, style) : rowsView(views, out, style);
  // Ctrl-C stops the generation; what was written so far stays, marked as stopped early.
  const stop = new AbortController();
  const onInterrupt = () => {
    process.exitCode = 130;
    stop.abort();
  };
  process.once("SIGINT", onInterrupt);
  try {
    await runJobSides(engine, job, {
      signal: stop.signal,
      onText: (side, text) => view.text(side, text),
      onDone: (outcome) => view.done(outcome),
    }).catch((error: unknown) => {
      // Stopped before a side had begun generating: there is nothing more to show than what is there.
      if (!stop.signal.aborted) throw error;
    });
  } finally {
    view.close();
    process.off("SIGINT", onInterrupt);
    await engine.dispose();
  }
});
