import { createHash } from "node:crypto";
import type { RateLimitOptions, RateLimitRule } from "./types.js";

/**
 * Defaults modelled on Discord's observed buckets (Discord does not document per-route numbers;
 * these are the commonly observed values, all configurable):
 * - 50 requests/s global (documented); interaction routes are exempt (documented).
 * - message create: 5 per 5 s per channel; edit: 5 per 5 s per channel; delete: 5 per 1 s.
 * - interaction webhooks (follow-ups, @original edits): 5 per 2 s per interaction token.
 * - thread creation: 10 per 10 s per channel; channel edits: 5 per 5 s per channel.
 * - command bulk overwrite: 5 per 20 s; typing: 5 per 5 s; reactions: 1 per 250 ms.
 * - everything else: 50 per 1 s.
 */
export const DEFAULT_RATE_LIMITS = {
  global: { limit: 50, windowMs: 1000 },
  defaultRoute: { limit: 50, windowMs: 1000 },
  routes: {
    "POST /channels/:channel_id/messages": { limit: 5, windowMs: 5000 },
    "PATCH /channels/:channel_id/messages/:message_id": { limit: 5, windowMs: 5000 },
    "DELETE /channels/:channel_id/messages/:message_id": { limit: 5, windowMs: 1000 },
    "POST /webhooks/:webhook_id/:webhook_token": { limit: 5, windowMs: 2000 },
    "PATCH /webhooks/:webhook_id/:webhook_token/messages/:message_id": { limit: 5, windowMs: 2000 },
    "DELETE /webhooks/:webhook_id/:webhook_token/messages/:message_id": { limit: 5, windowMs: 2000 },
    "POST /channels/:channel_id/messages/:message_id/threads": { limit: 10, windowMs: 10_000 },
    "POST /channels/:channel_id/threads": { limit: 10, windowMs: 10_000 },
    "PATCH /channels/:channel_id": { limit: 5, windowMs: 5000 },
    "PUT /applications/:application_id/commands": { limit: 5, windowMs: 20_000 },
    "PUT /applications/:application_id/guilds/:guild_id/commands": { limit: 5, windowMs: 20_000 },
    "POST /channels/:channel_id/typing": { limit: 5, windowMs: 5000 },
    "PUT /channels/:channel_id/messages/:message_id/reactions/:emoji/@me": { limit: 1, windowMs: 250 },
  } as Record<string, RateLimitRule | false>,
} satisfies RateLimitOptions;

interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number;
}

export interface RateLimitVerdict {
  headers: Record<string, string>;
  limited: { retryAfter: number; global: boolean; bucket: string } | null;
}

function secs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** Fixed-window buckets keyed by route template + major parameter, plus the global limit. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private global: Bucket = { limit: 0, remaining: 0, resetAt: 0 };
  private readonly options: {
    global: RateLimitRule | false;
    defaultRoute: RateLimitRule | false;
    routes: Record<string, RateLimitRule | false>;
  };

  constructor(options: RateLimitOptions = {}) {
    this.options = {
      global: options.global ?? DEFAULT_RATE_LIMITS.global,
      defaultRoute: options.defaultRoute ?? DEFAULT_RATE_LIMITS.defaultRoute,
      routes: { ...DEFAULT_RATE_LIMITS.routes, ...options.routes },
    };
  }

  /** Replace or disable the rule for one route key at runtime (e.g. to provoke a 429 quickly). */
  setRule(routeKey: string, rule: RateLimitRule | false): void {
    this.options.routes[routeKey] = rule;
    for (const key of [...this.buckets.keys()])
      if (key.startsWith(`${bucketHash(routeKey)}:`)) this.buckets.delete(key);
  }

  check(routeKey: string, major: string, countsGlobal: boolean, now = Date.now()): RateLimitVerdict {
    const rule = this.options.routes[routeKey] ?? this.options.defaultRoute;
    const headers: Record<string, string> = {};
    let bucket: Bucket | null = null;
    const hash = bucketHash(routeKey);
    if (rule) {
      const key = `${hash}:${major}`;
      bucket = this.buckets.get(key) ?? { limit: rule.limit, remaining: rule.limit, resetAt: 0 };
      if (now >= bucket.resetAt) {
        bucket.limit = rule.limit;
        bucket.remaining = rule.limit;
        bucket.resetAt = now + rule.windowMs;
      }
      this.buckets.set(key, bucket);
      Object.assign(headers, {
        "x-ratelimit-limit": String(bucket.limit),
        "x-ratelimit-remaining": String(Math.max(0, bucket.remaining - 1)),
        "x-ratelimit-reset": (bucket.resetAt / 1000).toFixed(3),
        "x-ratelimit-reset-after": secs(bucket.resetAt - now),
        "x-ratelimit-bucket": hash,
      });
      if (bucket.remaining <= 0) {
        const retryAfter = (bucket.resetAt - now) / 1000;
        headers["x-ratelimit-remaining"] = "0";
        headers["retry-after"] = String(Math.ceil(retryAfter));
        headers["x-ratelimit-scope"] = "user";
        return { headers, limited: { retryAfter, global: false, bucket: hash } };
      }
    }
    const g = this.options.global;
    if (countsGlobal && g) {
      if (now >= this.global.resetAt) this.global = { limit: g.limit, remaining: g.limit, resetAt: now + g.windowMs };
      if (this.global.remaining <= 0) {
        const retryAfter = (this.global.resetAt - now) / 1000;
        return {
          headers: {
            "retry-after": String(Math.ceil(retryAfter)),
            "x-ratelimit-global": "true",
            "x-ratelimit-scope": "global",
          },
          limited: { retryAfter, global: true, bucket: "global" },
        };
      }
      this.global.remaining -= 1;
    }
    if (bucket) bucket.remaining -= 1;
    return { headers, limited: null };
  }
}

export function bucketHash(routeKey: string): string {
  return createHash("sha1").update(routeKey).digest("hex").slice(0, 32);
}
