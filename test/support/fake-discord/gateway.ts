import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import zlib from "node:zlib";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  GatewayClose,
  KNOWN_INTENTS,
  Op,
  PRIVILEGED_INTENTS,
  redactContent,
  shardOf,
  writeFrame,
  type FrameTarget,
} from "./gateway-protocol.js";
import { isObject, num, str } from "./json-guards.js";
import { GatewayIntent } from "./messages.js";
import { guildCreateJson, userJson, userOf } from "./serialize.js";
import { nextSnowflake } from "./snowflake.js";
import type { DispatchScope, Dispatcher, FakeContext } from "./state.js";
import type { JsonObject } from "./types.js";

interface Session {
  id: string;
  seq: number;
  intents: number;
  shard: [number, number];
  /** Every dispatch, for RESUME replay. */
  events: Array<{ s: number; frame: string }>;
  conn: Connection | null;
  invalid: boolean;
}

interface Connection extends FrameTarget {
  session: Session | null;
  heartbeatTimer: NodeJS.Timeout | null;
  received: number[];
}

/** The fake gateway: JSON encoding, optional zlib-stream, sessions with RESUME replay. */
export class GatewayServer implements Dispatcher {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private ctx: FakeContext | null = null;

  constructor(private readonly resumeUrl: string) {
    this.wss.on("connection", (ws, req: IncomingMessage) => this.onConnection(ws, req));
  }

  attach(ctx: FakeContext): void {
    this.ctx = ctx;
  }

  private get c(): FakeContext {
    if (!this.ctx) throw new Error("gateway not attached");
    return this.ctx;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** Number of identified sessions that are not invalidated (connected or resumable). */
  get liveSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.invalid).length;
  }

  get connectedSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.invalid && s.conn).length;
  }

  dispatch(event: string, data: JsonObject, scope: DispatchScope): void {
    for (const s of this.sessions.values()) {
      if (s.invalid) continue;
      if (scope.guildId ? shardOf(scope.guildId, s.shard[1]) !== s.shard[0] : s.shard[0] !== 0) continue;
      if (scope.intent !== null && !(s.intents & scope.intent)) continue;
      const mc = scope.messageContent;
      const keep =
        !mc ||
        s.intents & GatewayIntent.MessageContent ||
        mc.isDm ||
        mc.mentionsBot ||
        mc.authorId === this.c.app.botUserId;
      this.sendDispatch(s, event, keep ? data : redactContent(data));
    }
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const frame = JSON.stringify({ op: Op.Dispatch, t, s: session.seq, d });
    session.events.push({ s: session.seq, frame });
    this.c.state.dispatches.push({ t, s: session.seq, d, sessionId: session.id, at: Date.now() });
    if (session.conn) this.sendRaw(session.conn, frame);
    this.c.state.changed();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "ws://localhost");
    const conn: Connection = {
      ws,
      session: null,
      zlibStream: null,
      compressPayloads: false,
      sendChain: Promise.resolve(),
      heartbeatTimer: null,
      received: [],
    };
    this.connections.add(conn);
    ws.on("close", (code) => this.onClose(conn, code));
    ws.on("error", () => undefined);
    if (url.searchParams.get("v") !== "10") return this.closeConn(conn, GatewayClose.InvalidVersion);
    const encoding = url.searchParams.get("encoding") ?? "json";
    if (encoding !== "json") return this.closeConn(conn, GatewayClose.DecodeError);
    if (url.searchParams.get("compress") === "zlib-stream")
      conn.zlibStream = zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH });
    ws.on("message", (data, isBinary) => this.onMessage(conn, data, isBinary));
    this.send(conn, {
      op: Op.Hello,
      d: { heartbeat_interval: this.c.options.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] },
      s: null,
      t: null,
    });
    this.armHeartbeatTimeout(conn);
    this.c.state.changed();
  }

  private armHeartbeatTimeout(conn: Connection): void {
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.heartbeatTimer = setTimeout(
      () => this.closeConn(conn, GatewayClose.SessionTimedOut),
      this.c.options.heartbeatIntervalMs * 1.5,
    );
    conn.heartbeatTimer.unref();
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const now = Date.now();
    conn.received = conn.received.filter((t) => t > now - 60_000);
    conn.received.push(now);
    if (conn.received.length > 120) return this.closeConn(conn, GatewayClose.RateLimited);
    let payload: unknown;
    try {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      payload = JSON.parse((isBinary ? zlib.inflateSync(buf) : buf).toString("utf8"));
    } catch {
      return this.closeConn(conn, GatewayClose.DecodeError);
    }
    if (!isObject(payload) || num(payload["op"]) === undefined) return this.closeConn(conn, GatewayClose.DecodeError);
    const op = payload["op"] as number;
    const d = payload["d"];
    this.c.state.changed();
    switch (op) {
      case Op.Heartbeat:
        this.armHeartbeatTimeout(conn);
        return this.send(conn, { op: Op.HeartbeatAck });
      case Op.Identify:
        return this.identify(conn, d);
      case Op.Resume:
        return this.resume(conn, d);
      case Op.Presence:
      case Op.Voice:
      case Op.RequestMembers:
      case Op.RequestSoundboard:
        if (!conn.session) return this.closeConn(conn, GatewayClose.NotAuthenticated);
        return;
      default:
        return this.closeConn(conn, conn.session ? GatewayClose.UnknownOpcode : GatewayClose.NotAuthenticated);
    }
  }

  private checkToken(token: unknown): boolean {
    const t = str(token);
    return t !== undefined && t.replace(/^Bot\s+/i, "") === this.c.app.token;
  }

  private identify(conn: Connection, d: unknown): void {
    if (conn.session) return this.closeConn(conn, GatewayClose.AlreadyAuthenticated);
    if (!isObject(d) || !isObject(d["properties"])) return this.closeConn(conn, GatewayClose.DecodeError);
    const intents = num(d["intents"]);
    const shardRaw = d["shard"];
    const shard: [number, number] | null = Array.isArray(shardRaw) ? [Number(shardRaw[0]), Number(shardRaw[1])] : null;
    this.c.state.identifies.push({
      token: str(d["token"]) ?? "",
      intents: intents ?? -1,
      properties: d["properties"],
      shard,
      compress: d["compress"] === true,
      at: Date.now(),
    });
    if (!this.checkToken(d["token"])) return this.closeConn(conn, GatewayClose.AuthenticationFailed);
    if (intents === undefined || !Number.isInteger(intents) || intents < 0 || intents & ~KNOWN_INTENTS)
      return this.closeConn(conn, GatewayClose.InvalidIntents);
    if (intents & PRIVILEGED_INTENTS & ~this.c.options.allowedPrivilegedIntents)
      return this.closeConn(conn, GatewayClose.DisallowedIntents);
    const [shardId, shardCount] = shard ?? [0, 1];
    if (
      !Number.isInteger(shardId) ||
      !Number.isInteger(shardCount) ||
      shardCount < 1 ||
      shardId < 0 ||
      shardId >= shardCount
    ) {
      return this.closeConn(conn, GatewayClose.InvalidShard);
    }
    conn.compressPayloads = d["compress"] === true && !conn.zlibStream;
    const session: Session = {
      id: nextSnowflake().slice(-12) + Math.random().toString(16).slice(2, 22),
      seq: 0,
      intents,
      shard: [shardId, shardCount],
      events: [],
      conn,
      invalid: false,
    };
    conn.session = session;
    this.sessions.set(session.id, session);
    const guilds = [...this.c.state.guilds.values()].filter((g) => !g.deleted && shardOf(g.id, shardCount) === shardId);
    this.sendDispatch(session, "READY", {
      v: 10,
      user: { ...userJson(userOf(this.c, this.c.app.botUserId)), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: "normal",
      resume_gateway_url: this.resumeUrl,
      shard: [shardId, shardCount],
      application: { id: this.c.app.id, flags: 1 << 23 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ["us-east"],
      user_settings: {},
      auth: {},
      _trace: ['["fake-gateway",{"micros":0}]'],
    });
    for (const g of guilds) this.sendDispatch(session, "GUILD_CREATE", guildCreateJson(this.c, g));
  }

  private resume(conn: Connection, d: unknown): void {
    if (conn.session) return this.closeConn(conn, GatewayClose.AlreadyAuthenticated);
    if (!isObject(d)) return this.closeConn(conn, GatewayClose.DecodeError);
    if (!this.checkToken(d["token"])) return this.closeConn(conn, GatewayClose.AuthenticationFailed);
    const session = this.sessions.get(str(d["session_id"]) ?? "");
    const seq = num(d["seq"]) ?? 0;
    if (!session || session.invalid || seq > session.seq) {
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (session.conn && session.conn !== conn) {
      const old = session.conn;
      old.session = null;
      this.closeConn(old, GatewayClose.UnknownError);
    }
    session.conn = conn;
    conn.session = session;
    for (const e of session.events) if (e.s > seq) this.sendRaw(conn, e.frame);
    this.sendDispatch(session, "RESUMED", { _trace: ['["fake-gateway",{"micros":0}]'] });
  }

  private onClose(conn: Connection, code: number): void {
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.zlibStream?.close();
    this.connections.delete(conn);
    const session = conn.session;
    if (session && session.conn === conn) {
      session.conn = null;
      // Discord: a client closing with 1000/1001 ends the session (not resumable).
      if (code === 1000 || code === 1001) session.invalid = true;
    }
    this.ctx?.state.changed();
  }

  private send(conn: Connection, payload: object): void {
    this.sendRaw(conn, JSON.stringify(payload));
  }

  private sendRaw(conn: Connection, frame: string): void {
    writeFrame(conn, frame);
  }

  private closeConn(conn: Connection, [code, reason]: readonly [number, string]): void {
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING)
      conn.ws.close(code, reason);
  }

  /** Fault helper: close every connection with `code`; sessions stay resumable unless `invalidate`. */
  disconnect(code = 4000, invalidate = false): void {
    for (const conn of [...this.connections]) {
      if (invalidate && conn.session) conn.session.invalid = true;
      this.closeConn(conn, [code, "Fake disconnect"]);
    }
  }

  /** Fault helper: send op 7 RECONNECT to every connection. */
  requestReconnect(): void {
    for (const conn of this.connections) this.send(conn, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  /** Fault helper: send op 9 INVALID_SESSION (d = resumable) to every identified connection. */
  invalidateSessions(resumable: boolean): void {
    for (const conn of this.connections) {
      if (!conn.session) continue;
      if (!resumable) conn.session.invalid = true;
      this.send(conn, { op: Op.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  async close(): Promise<void> {
    for (const conn of [...this.connections]) {
      if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
      conn.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
