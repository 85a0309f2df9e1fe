import type {
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  SharedSlashCommand,
} from "discord.js";
import type { Redis } from "ioredis";
import type { Config } from "../shared/config.js";
import type { GenerationQueue } from "../shared/jobs.js";
import type { Logger } from "../shared/log.js";
import type { GatewayMetrics } from "../shared/ops/metrics.js";
import type { RequestEndings } from "./request-endings.js";

/** What a command's `execute` gets besides the interaction. */
export interface CommandContext {
  config: Config;
  /** The gateway's Redis connection (fails fast when Redis is down). */
  redis: Redis;
  queue: GenerationQueue;
  log: Logger;
  metrics: GatewayMetrics;
  /** Updates a request's header when its job ends. */
  endings: RequestEndings;
}

/** A slash command: its definition and what it does. */
export interface Command {
  data: SharedSlashCommand | { toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
}
