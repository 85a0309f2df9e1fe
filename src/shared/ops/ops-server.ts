import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/** One readiness check: its name and whether it passes now. */
export type ReadinessCheck = readonly [name: string, check: () => Promise<boolean> | boolean];

/** A running health and metrics endpoint. */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /livez` (the process answers), `GET /readyz` (every check passes: 200, else 503, with
 * each check's result as JSON) and `GET /metrics` (Prometheus text format) on `port` (0 = any free port).
 */
export async function startOpsServer(
  port: number,
  host: string,
  checks: readonly ReadinessCheck[],
  registry: Registry,
): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
    };
    if (req.method !== "GET") return send(405, "text/plain", "method not allowed\n");
    if (path === "/livez") return send(200, "text/plain", "ok\n");
    if (path === "/readyz") {
      void Promise.all(
        checks.map(async ([name, check]) => [name, await Promise.resolve(check()).catch(() => false)] as const),
      ).then((results) => {
        const ready = results.every(([, ok]) => ok);
        send(
          ready ? 200 : 503,
          "application/json",
          `${JSON.stringify({ ready, checks: Object.fromEntries(results) })}\n`,
        );
      });
      return;
    }
    if (path === "/metrics") {
      void registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (error: unknown) => send(500, "text/plain", `${String(error)}\n`),
      );
      return;
    }
    send(404, "text/plain", "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
