import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real server (Redis, in the tests) that can slow down or stall what passes
 * through it: the outside world misbehaving, with the product's own clients unchanged.
 */
export class TcpProxy {
  private latencyMs = 0;
  private refusing = false;
  private stalled: (() => void)[] | null = null;
  private trigger: { bytes: Buffer; fired: () => void } | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly chains = new Set<Promise<void>>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts a proxy on a free port of 127.0.0.1 that forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    const proxy = new TcpProxy(server, address.port);
    server.on("connection", (client) => proxy.connect(client, target));
    return proxy;
  }

  /** The proxy's address as a Redis URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Delays every chunk, both ways, by `ms` from now on (0 = none). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Holds everything in both directions until {@link resume}: connections stay open, nothing moves. */
  stall(): void {
    this.stalled ??= [];
  }

  /**
   * Stalls (as {@link stall}) the moment a client sends a chunk that contains `text` (a key name, say), holding that
   * chunk: a stall at an exact point of the client's work instead of at a moment chosen from outside. Resolves then.
   */
  stallOn(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.trigger = { bytes: Buffer.from(text), fired: resolve };
    });
  }

  /** Lets held and new traffic through again, in order. */
  resume(): void {
    const held = this.stalled ?? [];
    this.stalled = null;
    for (const send of held) send();
  }

  /** Resolves once everything sent so far has been passed on (after a latency is lifted, say). */
  async drained(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains]);
  }

  /** Drops every connection and refuses new ones until called with `false`: the server is unreachable. */
  refuse(on = true): void {
    this.refusing = on;
    if (on) for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.resume();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: Socket, target: { host: string; port: number }): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream, true);
    this.pipe(upstream, client, false);
  }

  /** Forwards `from` to `to`, chunk by chunk in order, through the latency and the stall. */
  private pipe(from: Socket, to: Socket, fromClient: boolean): void {
    let chain = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      const at = Date.now() + this.latencyMs;
      const previous = chain;
      chain = previous.then(async () => {
        const wait = at - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (fromClient && this.trigger && chunk.includes(this.trigger.bytes)) {
          this.stall();
          this.trigger.fired();
          this.trigger = null;
        }
        if (this.stalled) await new Promise<void>((resolve) => this.stalled?.push(resolve));
        if (!to.destroyed) to.write(chunk);
      });
      const current = chain;
      this.chains.add(current);
      void current.finally(() => this.chains.delete(current));
    });
    from.on("end", () => void chain.then(() => to.end()));
  }
}
