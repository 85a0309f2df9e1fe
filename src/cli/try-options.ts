import { parseArgs } from "node:util";
import { ConfigError } from "../shared/config.js";

/** The layouts `--layout` takes; `auto` = columns on a terminal at least 100 columns wide, else rows. */
export const layouts = ["auto", "columns", "rows"] as const;
export type Layout = (typeof layouts)[number];

/** A `try` command line, read but not yet validated against the configuration. */
export interface TryOptions {
  help: boolean;
  prompt: string;
  matrix: boolean;
  fewShot: boolean;
  prompts: boolean;
  /** As typed; checked as the bot checks a command's options. */
  temperature: number | null;
  seed: number | null;
  maxTokens: number | null;
  layout: Layout;
}

export const TRY_USAGE = `Usage: npm run try -- [options] <prompt>
       bvi-try [options] <prompt>

Sends the prompt to the base model and to the instruct model (BASE_MODEL, INSTRUCT_MODEL, downloaded into
MODELS_DIR if needed) and streams both answers, with the same stats, reasons for stopping and next-token
expectations as the Discord bot. No Discord, no Redis.

Options:
  --matrix             the 2x2: base raw, base with the instruct model's chat template, instruct raw,
                       instruct with its template (like /compare mode:matrix)
  --fewshot            the raw sides get the prompt inside a short Q:/A: scaffold and stop at the next "Q:"
                       (like /complete fewshot:true); the templated side gets the prompt as it is
  --prompts            show the exact input of each side, special tokens written out
  --temperature <t>    0 to 2; 0 = always the likeliest token (default 0.7)
  --seed <n>           the same seed and settings give the same output (default: random, and shown)
  --max-tokens <n>     most tokens per side (default and cap: MAX_NEW_TOKENS)
  --layout <l>         auto: side by side on a terminal at least 100 columns wide, else one after the
                       other; columns (written at the end when not a terminal); rows (default auto)
  -h, --help           this text

Exit status: 0 done, 2 bad arguments or configuration, 1 anything else.`;

/** A number as typed: null when absent, NaN when not a number (the request check then says what it expects). */
function number(value: string | undefined): number | null {
  if (value === undefined) return null;
  return value.trim() === "" ? Number.NaN : Number(value);
}

/** Reads the command line; throws {@link ConfigError} (exit status 2) with the usage for a bad one. */
export function parseTryOptions(args: readonly string[]): TryOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        matrix: { type: "boolean" },
        fewshot: { type: "boolean" },
        prompts: { type: "boolean" },
        temperature: { type: "string" },
        seed: { type: "string" },
        "max-tokens": { type: "string" },
        layout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${TRY_USAGE}`);
  }
  const { values, positionals } = parsed;
  const layout = values.layout ?? "auto";
  if (!(layouts as readonly string[]).includes(layout)) {
    throw new ConfigError(`--layout must be one of ${layouts.join(", ")} (got ${JSON.stringify(layout)})`);
  }
  const prompt = positionals.join(" ");
  if (!values.help && prompt.trim() === "") throw new ConfigError(`Give a prompt.\n\n${TRY_USAGE}`);
  return {
    help: values.help ?? false,
    prompt,
    matrix: values.matrix ?? false,
    fewShot: values.fewshot ?? false,
    prompts: values.prompts ?? false,
    temperature: number(values.temperature),
    seed: number(values.seed),
    maxTokens: number(values["max-tokens"]),
    layout: layout as Layout,
  };
}
