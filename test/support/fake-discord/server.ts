import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError, errors } from "./api-error.js";
import { isObject } from "./json-guards.js";
import type { RateLimiter } from "./rate-limits.js";
import { majorParameter, routeKey, type FakeRequest, type Router } from "./router.js";
import type { FakeContext } from "./state.js";
import type { FaultSpec, RequestRecord, UploadedFile } from "./types.js";

export interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export interface PipelineDeps {
  ctx: FakeContext;
  router: Router;
  limiter: RateLimiter;
  faults: ActiveFault[];
}

const API_PREFIX = "/api/v10";

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Form fields Discord treats as file uploads: files[n] (and the older file / fileN / file[n]). */
const FILE_FIELD = /^files?(\[\d+\]|\d+)?$/;

/** Parses JSON or multipart/form-data (payload_json + files[n]) like Discord does. */
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: UploadedFile[] }> {
  const type = req.headers["content-type"] ?? "";
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    const files: UploadedFile[] = [];
    let body: Record<string, unknown> = {};
    for (const [field, value] of form.entries()) {
      if (typeof value === "string") {
        if (field === "payload_json") {
          const parsed: unknown = JSON.parse(value);
          body = isObject(parsed) ? { ...body, ...parsed } : body;
        } else if (FILE_FIELD.test(field)) {
          // A file part without a filename arrives as a plain field; keep it so validation can name it.
          const data = Buffer.from(value, "utf8");
          files.push({ field, name: "", size: data.length, contentType: "", data });
        } else body[field] = value;
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        files.push({ field, name: value.name, size: data.length, contentType: value.type, data });
      }
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString("utf8")) as unknown, files: [] };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204 || body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  if (typeof body === "string") {
    res.writeHead(status, { "content-type": "text/html" });
    res.end(body);
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function fault(deps: PipelineDeps, method: string, path: string): ActiveFault | undefined {
  return deps.faults.find(
    (f) => f.remaining > 0 && (!f.spec.method || f.spec.method.toUpperCase() === method) && f.spec.path.test(path),
  );
}

/** The REST pipeline: route → auth → injected faults → rate limits → handler → record. */
export async function handleRequest(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state } = deps.ctx;
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const rawPath = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || "/" : url.pathname;
  const path = rawPath.split("/").map(decodeSegment).join("/");
  const record: RequestRecord = {
    method,
    path,
    query: url.search,
    route: null,
    body: undefined,
    files: [],
    authorized: false,
    at: Date.now(),
    status: null,
  };
  let headers: Record<string, string> = {};
  const finish = (status: number, body: unknown, extra?: { injected?: boolean }): void => {
    record.status = status;
    if (status >= 400 && status !== 429) {
      const b = isObject(body) ? body : {};
      state.errors.push({
        status,
        code: typeof b["code"] === "number" ? b["code"] : 0,
        method,
        path,
        message: typeof b["message"] === "string" ? b["message"] : String(body),
        ...(b["errors"] !== undefined ? { errors: b["errors"] } : {}),
        ...(extra?.injected ? { injected: true } : {}),
        at: Date.now(),
      });
    }
    const latency = deps.ctx.options.latencyMs;
    if (latency > 0) {
      setTimeout(() => {
        send(res, status, body, headers);
        state.changed();
      }, latency);
      return;
    }
    send(res, status, body, headers);
    state.changed();
  };
  state.requests.push(record);
  try {
    const raw = await readBody(req);
    let parsed: { body: unknown; files: UploadedFile[] };
    try {
      parsed = await parseBody(req, raw);
    } catch {
      throw errors.invalidJson();
    }
    record.body = parsed.body;
    record.files = parsed.files.map(({ data: _data, ...info }) => info);
    // A request is visible to waitFor from the moment it has arrived, not only once answered (a held one may
    // not be answered for seconds).
    state.changed();
    if (!url.pathname.startsWith(API_PREFIX)) throw errors.notFound();
    const match = deps.router.match(method, path);
    if (match === null) throw errors.notFound();
    if (match === "method-not-allowed") throw errors.methodNotAllowed();
    const { route, params } = match;
    record.route = routeKey(route);
    const auth = req.headers.authorization;
    record.authorized = auth === `Bot ${deps.ctx.app.token}`;
    if (route.auth && !record.authorized) throw errors.unauthorized();
    const f = fault(deps, method, path);
    let lateMs = 0;
    if (f?.spec.respondLateMs !== undefined) {
      f.remaining -= 1;
      lateMs = f.spec.respondLateMs;
    } else if (f) {
      f.remaining -= 1;
      if (f.spec.delayMs) await sleep(f.spec.delayMs);
      if (f.spec.status === 429) {
        const retryAfter = f.spec.retryAfter ?? 0.1;
        const global = f.spec.global ?? false;
        headers = {
          "retry-after": String(retryAfter),
          "x-ratelimit-scope": global ? "global" : "user",
          ...(global ? { "x-ratelimit-global": "true" } : {}),
        };
        state.rateLimitHits.push({
          method,
          path,
          route: routeKey(route),
          bucket: "injected",
          majorParameter: majorParameter(params),
          retryAfter,
          global,
          at: Date.now(),
        });
        return finish(429, { message: "You are being rate limited.", retry_after: retryAfter, global });
      }
      const s = f.spec.status;
      const body =
        s === 502 || s === 504
          ? `<html><body>${s} Bad Gateway</body></html>`
          : { message: `${s}: ${s === 500 ? "Internal Server Error" : "Service Unavailable"}`, code: 0 };
      return finish(s, body, { injected: true });
    }
    const verdict = deps.limiter.check(routeKey(route), majorParameter(params), route.global);
    headers = verdict.headers;
    if (verdict.limited) {
      const { retryAfter, global, bucket } = verdict.limited;
      state.rateLimitHits.push({
        method,
        path,
        route: routeKey(route),
        bucket,
        majorParameter: majorParameter(params),
        retryAfter,
        global,
        at: Date.now(),
      });
      return finish(429, {
        message: "You are being rate limited.",
        retry_after: Number(retryAfter.toFixed(3)),
        global,
      });
    }
    const request: FakeRequest = {
      method,
      path,
      params,
      query: url.searchParams,
      body: parsed.body,
      files: parsed.files,
    };
    const result = await route.handler(request);
    if (lateMs > 0) await sleep(lateMs);
    finish(result.status, result.body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 429) {
      // A rate limit a route handler decides (slowmode): counted with the others.
      const retryAfter = error.retryAfter ?? 1;
      headers = { "retry-after": String(Math.ceil(retryAfter)), "x-ratelimit-scope": "user" };
      state.rateLimitHits.push({
        method,
        path,
        route: record.route ?? path,
        bucket: `code:${error.code}`,
        majorParameter: "",
        retryAfter,
        global: false,
        at: Date.now(),
      });
      return finish(429, error.body());
    }
    if (error instanceof ApiError) return finish(error.status, error.body());
    finish(500, {
      message: "500: Internal Server Error",
      code: 0,
      fake_error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}

/** An HTTP server on 127.0.0.1 with an ephemeral port (handlers are attached by the caller). */
export async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fake discord: no port");
  return { server, port: address.port };
}
