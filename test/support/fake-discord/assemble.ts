import type { Server } from "node:http";
import { registerCommandRoutes } from "./command-routes.js";
import { GatewayServer } from "./gateway.js";
import { registerInteractionRoutes } from "./interaction-routes.js";
import { registerMessageRoutes } from "./message-routes.js";
import { registerMiscRoutes } from "./misc-routes.js";
import { RateLimiter } from "./rate-limits.js";
import { Router } from "./router.js";
import { handleRequest, type ActiveFault } from "./server.js";
import { makeBotToken, nextSnowflake } from "./snowflake.js";
import { FakeState, type FakeContext } from "./state.js";
import { registerThreadRoutes } from "./thread-routes.js";
import type { FakeDiscordOptions, ResolvedOptions } from "./types.js";

/** Runs `fn` now; its result or error as a promise (the invoke* helpers are awaitable). */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function resolveOptions(o: FakeDiscordOptions): ResolvedOptions {
  return {
    interactionDeadlineMs: o.interactionDeadlineMs ?? 3000,
    tokenLifetimeMs: o.tokenLifetimeMs ?? 15 * 60_000,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 41_250,
    rateLimits: o.rateLimits ?? {},
    nonceWindowMs: o.nonceWindowMs ?? 5 * 60_000,
    archivedThreadSend: o.archivedThreadSend ?? "unarchive",
    allowedPrivilegedIntents: o.allowedPrivilegedIntents ?? 0,
    strictCommands: o.strictCommands ?? false,
    botUsername: o.botUsername ?? "fake-bot",
    attachmentSizeLimit: o.attachmentSizeLimit ?? 10 * 1024 * 1024,
    uploadRequestLimit: o.uploadRequestLimit ?? 25 * 1024 * 1024,
    maxActiveThreads: o.maxActiveThreads ?? 1000,
    latencyMs: o.latencyMs ?? 0,
  };
}

export interface Assembled {
  apiUrl: string;
  gatewayUrl: string;
  ctx: FakeContext;
  gateway: GatewayServer;
  limiter: RateLimiter;
  faults: ActiveFault[];
}

/** Wires state, gateway, rate limiter and routes onto a listening HTTP server. */
export function assemble(server: Server, port: number, options: FakeDiscordOptions): Assembled {
  const base = `127.0.0.1:${port}`;
  const apiUrl = `http://${base}/api`;
  const gatewayUrl = `ws://${base}`;
  const botId = nextSnowflake();
  const gateway = new GatewayServer(`ws://${base}/resume`);
  const ctx: FakeContext = {
    state: new FakeState(),
    options: resolveOptions(options),
    gateway,
    app: { id: botId, botUserId: botId, token: makeBotToken(botId) },
  };
  gateway.attach(ctx);
  const limiter = new RateLimiter(ctx.options.rateLimits);
  const router = new Router();
  registerMiscRoutes(router, ctx, gatewayUrl);
  registerCommandRoutes(router, ctx);
  registerInteractionRoutes(router, ctx);
  registerThreadRoutes(router, ctx);
  registerMessageRoutes(router, ctx);
  const faults: ActiveFault[] = [];
  const deps = { ctx, router, limiter, faults };
  server.on("request", (req, res) => void handleRequest(deps, req, res));
  server.on("upgrade", (req, socket, head: Buffer) => gateway.handleUpgrade(req, socket, head));
  return { apiUrl, gatewayUrl, ctx, gateway, limiter, faults };
}
