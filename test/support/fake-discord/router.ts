import type { UploadedFile } from "./types.js";

export interface FakeRequest {
  method: string;
  /** Path after /api/v10 with segments URL-decoded, e.g. "/channels/1/messages". */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
}

export interface FakeResponse {
  status: number;
  body?: unknown;
}

export type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface RouteDef {
  method: string;
  template: string;
  /** Needs `Authorization: Bot <token>` (interaction routes use their token instead). */
  auth: boolean;
  /** Counts toward the global rate limit (interaction routes do not). */
  global: boolean;
  handler: Handler;
}

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

/** Minimal router for Discord-style templates ("/channels/:channel_id/messages"); first match wins. */
export class Router {
  private readonly routes: RouteDef[] = [];

  add(method: string, template: string, handler: Handler, opts: { auth?: boolean; global?: boolean } = {}): void {
    this.routes.push({ method, template, handler, auth: opts.auth ?? true, global: opts.global ?? true });
  }

  match(method: string, path: string): RouteMatch | "method-not-allowed" | null {
    const segments = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchTemplate(route.template, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    return pathMatched ? "method-not-allowed" : null;
  }
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | null {
  const parts = template.split("/").filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as string;
    const seg = segments[i] as string;
    if (part.startsWith(":")) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

/** The route key used for rate-limit configuration: "METHOD /template". */
export function routeKey(route: RouteDef): string {
  return `${route.method} ${route.template}`;
}

/** Discord's major parameters: channel_id, guild_id, or webhook id + token. */
export function majorParameter(params: Record<string, string>): string {
  if (params["channel_id"]) return params["channel_id"];
  if (params["guild_id"]) return params["guild_id"];
  if (params["webhook_id"]) return `${params["webhook_id"]}/${params["webhook_token"] ?? ""}`;
  if (params["interaction_id"]) return `${params["interaction_id"]}/${params["interaction_token"] ?? ""}`;
  return "global";
}
