import zlib from "node:zlib";
import { WebSocket } from "ws";
import { GatewayIntent } from "./messages.js";
import type { JsonObject } from "./types.js";

/** Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway). */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Presence: 3,
  Voice: 4,
  Resume: 6,
  Reconnect: 7,
  RequestMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboard: 31,
} as const;

/** Close codes with Discord's reasons. */
export const GatewayClose = {
  UnknownError: [4000, "Unknown error."],
  UnknownOpcode: [4001, "Unknown opcode."],
  DecodeError: [4002, "Error while decoding payload."],
  NotAuthenticated: [4003, "Not authenticated."],
  AuthenticationFailed: [4004, "Authentication failed."],
  AlreadyAuthenticated: [4005, "Already authenticated."],
  RateLimited: [4008, "Rate limited."],
  SessionTimedOut: [4009, "Session timed out."],
  InvalidShard: [4010, "Invalid shard."],
  InvalidVersion: [4012, "Invalid API version."],
  InvalidIntents: [4013, "Invalid intent(s)."],
  DisallowedIntents: [4014, "Disallowed intent(s)."],
} as const satisfies Record<string, readonly [number, string]>;

export const KNOWN_INTENTS = 0x1ffff | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25);
/** GuildMembers, GuildPresences, MessageContent. */
export const PRIVILEGED_INTENTS =
  GatewayIntent.GuildMembers | GatewayIntent.GuildPresences | GatewayIntent.MessageContent;

/** Where gateway frames go: a socket, optionally with a zlib-stream context or per-payload zlib. */
export interface FrameTarget {
  ws: WebSocket;
  zlibStream: zlib.Deflate | null;
  compressPayloads: boolean;
  sendChain: Promise<void>;
}

/** Sends one JSON frame: plain text, zlib-stream (Z_SYNC_FLUSH per message) or deflated payload. */
export function writeFrame(conn: FrameTarget, frame: string): void {
  const ws = conn.ws;
  if (conn.zlibStream) {
    const stream = conn.zlibStream;
    conn.sendChain = conn.sendChain.then(
      () =>
        new Promise<void>((resolve) => {
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer): void => void chunks.push(chunk);
          stream.on("data", onData);
          stream.write(frame);
          stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            stream.off("data", onData);
            if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat(chunks));
            resolve();
          });
        }),
    );
    return;
  }
  if (ws.readyState !== WebSocket.OPEN) return;
  if (conn.compressPayloads) ws.send(zlib.deflateSync(frame));
  else ws.send(frame);
}

/** Which shard receives a guild's events (Discord's formula). */
export function shardOf(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** A message event as a session without MESSAGE_CONTENT sees it. */
export function redactContent(data: JsonObject): JsonObject {
  return { ...data, content: "", embeds: [], attachments: [], components: [] };
}
