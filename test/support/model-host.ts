import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** A file the host serves at `<owner>/<repo>/resolve/<branch>/<file>`. */
export interface HostedFile {
  /** `<owner>/<repo>/<file>`, as an `hf:` URI names it. */
  path: string;
  body: Uint8Array;
  /**
   * What the host says the file's SHA-256 is: "real" (default), another value, or nothing ("none": served
   * like a small non-LFS file, whose ETag is a 40-hex git blob id).
   */
  published?: string;
  /** Bytes sent instead of `body` (a corrupted file or transfer); the published SHA-256 stays `body`'s. */
  served?: Uint8Array;
}

/** A request the host answered. */
export interface HostRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * A local stand-in for Hugging Face, two origins like the real one: the hub answers a `resolve` URL with a
 * redirect to the CDN carrying `X-Linked-Etag` (the file's SHA-256) and `X-Linked-Size`, and needs the token if
 * one is set (a gated repository); the CDN serves the bytes in chunks.
 */
export class ModelHost {
  readonly requests: HostRequest[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly changes = new EventEmitter();
  private gate: { promise: Promise<void>; open: () => void } | null = null;

  private constructor(
    private readonly hub: Server,
    private readonly cdn: Server,
    private readonly files: Map<string, HostedFile>,
    private readonly token: string | undefined,
  ) {}

  /** Starts the host on two ports of 127.0.0.1. */
  static async start(files: HostedFile[], options: { token?: string } = {}): Promise<ModelHost> {
    const byPath = new Map(files.map((file) => [file.path, file]));
    let host: ModelHost | null = null;
    const hub = createServer((req, res) => host?.answerHub(req, res));
    const cdn = createServer((req, res) => host?.answerCdn(req, res));
    host = new ModelHost(hub, cdn, byPath, options.token);
    await Promise.all([listen(hub), listen(cdn)]);
    return host;
  }

  /** The `HF_ENDPOINT` that points node-llama-cpp at this host. */
  get endpoint(): string {
    return `http://127.0.0.1:${port(this.hub)}/`;
  }

  /** GET requests for `path` that reached the CDN: the downloads of the file. */
  cdnGets(path: string): number {
    return this.requests.filter((r) => r.server === "cdn" && r.method === "GET" && r.path === `/cdn/${path}`).length;
  }

  /** Responses for `path` still sending their body. */
  sending(path: string): number {
    return this.inFlight.get(path) ?? 0;
  }

  /** From now on every CDN body stops after its first chunk until the returned function is called. */
  hold(): () => void {
    let open = () => undefined as void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    const gate = { promise, open };
    this.gate = gate;
    return () => {
      if (this.gate === gate) this.gate = null;
      gate.open();
    };
  }

  /** Resolves once `condition()` holds, checked at every request and chunk; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.changes.off("change", check);
      };
      this.changes.on("change", check);
      check();
    });
  }

  /** Tells waiters to check again (for conditions on things outside the host, such as a child's output). */
  notify(): void {
    this.changes.emit("change");
  }

  async close(): Promise<void> {
    this.gate?.open();
    for (const server of [this.hub, this.cdn]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private record(server: HostRequest["server"], req: IncomingMessage): string {
    const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
    this.requests.push({ server, method: req.method ?? "", path, authorization: req.headers.authorization });
    this.notify();
    return path;
  }

  private answerHub(req: IncomingMessage, res: ServerResponse): void {
    const path = this.record("hub", req);
    const match = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const file = match ? this.files.get(`${match[1]}/${match[2]}/${match[3]}`) : undefined;
    if (!file) {
      res.writeHead(404).end("Entry not found");
      return;
    }
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401).end("Access to this repository is restricted");
      return;
    }
    if (file.published === "none") {
      // A small file stored in git: answered here, its ETag the git blob id, not a SHA-256.
      const gitId = createHash("sha1").update(file.body).digest("hex");
      this.send(req, res, file, { etag: `"${gitId}"` });
      return;
    }
    const sha256 =
      file.published === undefined || file.published === "real"
        ? createHash("sha256").update(file.body).digest("hex")
        : file.published;
    res
      .writeHead(302, {
        location: `http://127.0.0.1:${port(this.cdn)}/cdn/${file.path}?signature=x`,
        "x-linked-etag": `"${sha256}"`,
        "x-linked-size": String(file.body.length),
        etag: `"${sha256}"`,
      })
      .end();
  }

  private answerCdn(req: IncomingMessage, res: ServerResponse): void {
    const path = this.record("cdn", req);
    const file = this.files.get(path.replace(/^\/cdn\//, ""));
    if (!file) {
      res.writeHead(404).end("not found");
      return;
    }
    this.send(req, res, file, {});
  }

  /** Sends the file in 64 KiB chunks, pausing at the gate if one is set. */
  private send(req: IncomingMessage, res: ServerResponse, file: HostedFile, headers: Record<string, string>): void {
    const bytes = file.served ?? file.body;
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
      "accept-ranges": "none",
      ...headers,
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const count = (delta: number) => this.inFlight.set(file.path, this.sending(file.path) + delta);
    count(1);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      count(-1);
      this.notify();
    };
    res.once("close", finish);
    const chunk = 64 * 1024;
    let offset = 0;
    const pump = async () => {
      while (offset < bytes.length && !res.destroyed) {
        res.write(bytes.subarray(offset, offset + chunk));
        offset += chunk;
        this.notify();
        if (this.gate) await this.gate.promise;
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    };
    void pump();
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function port(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening");
  return address.port;
}
