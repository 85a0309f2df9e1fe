import { Client, Events, GatewayIntentBits } from "discord.js";
import { commands } from "../../commands/index.js";
import type { Redis } from "ioredis";
import { requireToken, type Config } from "../shared/config.js";
import { routeInteraction } from "./interaction-router.js";
import { openQueue, type GenerationQueue } from "../shared/jobs.js";
import type { Logger } from "../shared/log.js";
import { createGatewayMetrics, createRegistry } from "../shared/ops/metrics.js";
import { countRateLimits } from "../shared/ops/count-rate-limits.js";
import { startOpsServer } from "../shared/ops/ops-server.js";
import { connectRedis, pingRedis } from "../shared/redis.js";
import { registerCommands } from "./register-commands.js";
import { watchRequestEndings } from "./request-endings.js";
import { runService } from "../shared/run-main.js";

/** The gateway's default share of Discord's global 50 requests/s: per request a thread and a header edit. */
export const GATEWAY_GLOBAL_RPS = 20;

/** A running gateway. */
export interface Gateway {
  client: Client<true>;
  queue: GenerationQueue;
  /** The health and metrics endpoint's port, if HEALTH_PORT is set. */
  opsPort: number | null;
  /** Logs out of Discord, closes the queue and Redis. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: logs in with intent `Guilds` only, registers the commands (in
 * `DISCORD_GUILD_ID`, else globally), and turns each command into a queued job.
 */
export async function startGateway(config: Config, log: Logger): Promise<Gateway> {
  const token = requireToken(config, "gateway");
  const connection: Redis = connectRedis(config.redis.url, "producer");
  connection.on("error", (err) => log.warn({ err }, "redis connection error"));
  const queue = openQueue(connection, config.redis.prefix);
  queue.on("error", (err) => log.warn({ err }, "queue error"));
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // As many shards as Discord recommends (required from 2,500 guilds on), all in this process.
    shards: "auto",
    rest: { api: config.discord.apiUrl, globalRequestsPerSecond: config.discord.globalRps ?? GATEWAY_GLOBAL_RPS },
    allowedMentions: { parse: [] },
  });
  const registry = createRegistry("gateway");
  const metrics = createGatewayMetrics(registry, () => queue.getJobCounts());
  countRateLimits(client.rest, metrics.discordRateLimited);
  const ops =
    config.ops.port === undefined
      ? null
      : await startOpsServer(
          config.ops.port,
          config.ops.host,
          [
            ["discord", () => client.isReady()],
            ["redis", () => pingRedis(connection)],
          ],
          registry,
        );
  if (ops) log.info({ port: ops.port }, "health and metrics endpoint listening");
  const endings = watchRequestEndings({ config, queue, client, log });
  const context = { config, queue, log, metrics, redis: connection, endings };
  client.on(Events.InteractionCreate, (interaction) => void routeInteraction(interaction, commands, context));
  client.on(Events.Error, (err) => log.error({ err }, "discord client error"));
  client.on(Events.ShardDisconnect, (event, shardId) =>
    log.warn({ shardId, code: event.code }, "gateway disconnected"),
  );

  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  try {
    await client.login(token);
  } catch (error) {
    await ops?.close();
    await client.destroy();
    await endings.close();
    await queue.close();
    connection.disconnect();
    throw error;
  }
  const readyClient = await ready;
  const applicationId = config.discord.applicationId ?? readyClient.application.id;
  const where = await registerCommands(client.rest, applicationId, commands, config.discord.guildId);
  log.info({ user: readyClient.user.tag, applicationId, commands: where }, "gateway ready");

  return {
    client: readyClient,
    queue,
    opsPort: ops?.port ?? null,
    async close() {
      await ops?.close();
      await client.destroy();
      await endings.close();
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
      log.info("gateway closed");
    },
  };
}

runService(import.meta.url, "gateway", startGateway);
