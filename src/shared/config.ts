import { z } from "zod";
import type { Limits } from "./store/limits.js";
import { DEFAULT_RETENTION_DAYS, retentionFromDays, type Retention } from "./store/retention.js";

/** The default base model: Gemma 3 270M pre-trained, Q8_0 GGUF, ungated. */
export const DEFAULT_BASE_MODEL = "hf:ggml-org/gemma-3-270m-GGUF/gemma-3-270m-Q8_0.gguf";
/** The default instruct model: Gemma 3 270M instruction-tuned, the base model's sibling. */
export const DEFAULT_INSTRUCT_MODEL = "hf:ggml-org/gemma-3-270m-it-GGUF/gemma-3-270m-it-Q8_0.gguf";
/** Which GPU backend a worker must run on (`LLAMA_GPU`); `auto` takes the best one found, else the CPU. */
export const GPU_SETTINGS = ["auto", "cuda", "vulkan", "metal", "off"] as const;
export type GpuSetting = (typeof GPU_SETTINGS)[number];
/** The system prompt given to the instruct side unless `SYSTEM_PROMPT` says otherwise. */
export const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer concisely.";

const snowflake = z.string().regex(/^\d{17,20}$/, "a Discord id (17 to 20 digits)");
const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(blankToUndefined, schema.default(fallback as never));
const idList = z.string().regex(/^\s*(\d{17,20}\s*(,\s*\d{17,20}\s*)*)?$/, "Discord ids separated by commas");
const positiveInt = (max: number) =>
  z.coerce.number().int("a whole number").min(1, "at least 1").max(max, `at most ${max}`);

const envSchema = z.object({
  DISCORD_TOKEN: optional(z.string().min(20, "a bot token from the Developer Portal")),
  DISCORD_APPLICATION_ID: optional(snowflake),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_API_URL: withDefault(z.url("an http(s) URL such as https://discord.com/api"), "https://discord.com/api"),
  DISCORD_GLOBAL_RPS: optional(positiveInt(50)),
  REDIS_URL: withDefault(z.string().regex(/^rediss?:\/\/.+/, "a redis:// or rediss:// URL"), "redis://127.0.0.1:6379"),
  QUEUE_PREFIX: withDefault(z.string().regex(/^[\w{}:.-]{1,64}$/, "1-64 letters, digits, _ - . : { }"), "bvi"),
  BASE_MODEL: withDefault(z.string().min(1, "a GGUF path or an hf: URI"), DEFAULT_BASE_MODEL),
  INSTRUCT_MODEL: withDefault(z.string().min(1, "a GGUF path or an hf: URI"), DEFAULT_INSTRUCT_MODEL),
  MODELS_DIR: withDefault(z.string().min(1, "a directory path"), "./models"),
  HF_TOKEN: optional(z.string()),
  HF_ENDPOINT: optional(z.url("an http(s) URL such as https://huggingface.co")),
  WORKER_CONCURRENCY: optional(positiveInt(64)),
  MAX_NEW_TOKENS: withDefault(positiveInt(8192), 256),
  LLAMA_THREADS: optional(positiveInt(256)),
  LLAMA_GPU: withDefault(z.enum(GPU_SETTINGS, `one of ${GPU_SETTINGS.join(", ")}`), "auto"),
  SYSTEM_PROMPT: withDefault(z.string().min(1).max(4000, "at most 4000 characters"), DEFAULT_SYSTEM_PROMPT),
  USER_COOLDOWN_SECONDS: withDefault(z.coerce.number().min(0, "at least 0").max(3600, "at most 3600"), 5),
  USER_MAX_IN_FLIGHT: withDefault(positiveInt(1000), 2),
  GUILD_MAX_IN_FLIGHT: withDefault(positiveInt(100_000), 20),
  ALLOWED_CHANNEL_IDS: withDefault(idList, ""),
  ALLOWED_ROLE_IDS: withDefault(idList, ""),
  SHUTDOWN_GRACE_SECONDS: withDefault(
    z.coerce.number().int("a whole number").min(0, "at least 0").max(3600, "at most 3600"),
    60,
  ),
  RESULT_RETENTION_DAYS: withDefault(positiveInt(3650), DEFAULT_RETENTION_DAYS.results),
  VOTE_RETENTION_DAYS: withDefault(positiveInt(36500), DEFAULT_RETENTION_DAYS.votes),
  CONVERSATION_RETENTION_DAYS: withDefault(positiveInt(3650), DEFAULT_RETENTION_DAYS.conversations),
  HEALTH_PORT: optional(z.coerce.number().int("a whole number").min(0, "a TCP port").max(65535, "a TCP port")),
  HEALTH_HOST: withDefault(z.string().min(1, "an address to listen on"), "127.0.0.1"),
  LOG_LEVEL: withDefault(
    z.enum(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      "one of fatal, error, warn, info, debug, trace, silent",
    ),
    "info",
  ),
});

type Env = z.infer<typeof envSchema>;

/** Where and by whom the bot may be used; empty lists allow everything. */
export interface Allowlist {
  channelIds: readonly string[];
  roleIds: readonly string[];
}

/** The validated, frozen configuration every entry point works from. */
export interface Config {
  readonly discord: {
    readonly token: string | undefined;
    readonly applicationId: string | undefined;
    readonly guildId: string | undefined;
    readonly apiUrl: string;
    /**
     * This process's share of Discord's global 50 requests/s per bot token; undefined = the process's
     * default (gateway 20, worker 30), which adds up to 50 for one gateway and one worker.
     */
    readonly globalRps: number | undefined;
  };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly models: {
    readonly base: string;
    readonly instruct: string;
    readonly dir: string;
    readonly systemPrompt: string;
    /** Hugging Face token (`HF_TOKEN`); undefined = node-llama-cpp's own lookup (its token file). */
    readonly hfToken: string | undefined;
    /** Base URL for `hf:` downloads (`HF_ENDPOINT`); undefined = Hugging Face. */
    readonly hfEndpoint: string | undefined;
  };
  readonly worker: {
    readonly concurrency: number | undefined;
    readonly maxNewTokens: number;
    /** CPU threads per context; undefined = the real cores shared by the contexts (workers/engine/choose-threads). */
    readonly threads: number | undefined;
    /** The GPU backend the worker must run on; `auto` = the best found, else the CPU; `off` = the CPU. */
    readonly gpu: GpuSetting;
    /** On SIGTERM, how long active jobs may run on before they are handed back to the queue. */
    readonly shutdownGraceMs: number;
  };
  /** Per-user and per-guild request limits. */
  readonly limits: Limits;
  /** Channels (threads count as their parent) and roles the bot answers; empty = all. */
  readonly allow: Allowlist;
  /** How long results, votes and conversations are kept. */
  readonly retention: Retention;
  /** Health and metrics endpoint; `port` undefined = off. */
  readonly ops: { readonly port: number | undefined; readonly host: string };
  readonly logLevel: Env["LOG_LEVEL"];
}

/** Thrown when the environment holds an invalid setting; its message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses configuration from environment variables (defaults to `process.env`).
 * Throws {@link ConfigError} naming each invalid variable and what it expects.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const value = env[name];
      const shown = value === undefined || name === "DISCORD_TOKEN" ? "" : ` (got ${JSON.stringify(value)})`;
      return `  ${name}: expected ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return deepFreeze({
    discord: {
      token: e.DISCORD_TOKEN,
      applicationId: e.DISCORD_APPLICATION_ID,
      guildId: e.DISCORD_GUILD_ID,
      apiUrl: e.DISCORD_API_URL.replace(/\/+$/, ""),
      globalRps: e.DISCORD_GLOBAL_RPS,
    },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    models: {
      base: e.BASE_MODEL,
      instruct: e.INSTRUCT_MODEL,
      dir: e.MODELS_DIR,
      systemPrompt: e.SYSTEM_PROMPT,
      hfToken: e.HF_TOKEN,
      hfEndpoint: e.HF_ENDPOINT,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      maxNewTokens: e.MAX_NEW_TOKENS,
      threads: e.LLAMA_THREADS,
      gpu: e.LLAMA_GPU,
      shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    },
    limits: {
      cooldownMs: e.USER_COOLDOWN_SECONDS * 1000,
      userMaxInFlight: e.USER_MAX_IN_FLIGHT,
      guildMaxInFlight: e.GUILD_MAX_IN_FLIGHT,
    },
    allow: { channelIds: splitIds(e.ALLOWED_CHANNEL_IDS), roleIds: splitIds(e.ALLOWED_ROLE_IDS) },
    retention: retentionFromDays({
      results: e.RESULT_RETENTION_DAYS,
      votes: e.VOTE_RETENTION_DAYS,
      conversations: e.CONVERSATION_RETENTION_DAYS,
    }),
    ops: { port: e.HEALTH_PORT, host: e.HEALTH_HOST },
    logLevel: e.LOG_LEVEL,
  });
}

/** Returns the bot token, or throws a {@link ConfigError} saying the process needs one. */
export function requireToken(config: Config, processName: string): string {
  if (config.discord.token === undefined) {
    throw new ConfigError(
      `Invalid configuration:\n  DISCORD_TOKEN: expected a bot token from the Developer Portal (the ${processName} needs it)`,
    );
  }
  return config.discord.token;
}

function splitIds(list: string): string[] {
  return list
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === "object") deepFreeze(child as object);
  }
  return Object.freeze(value);
}
