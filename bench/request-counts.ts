import type { FakeDiscord } from "../test/support/fake-discord/index.js";

/** Positions in the fake's live logs, taken at the start of a phase. */
export interface RequestMark {
  requests: number;
  rateLimitHits: number;
  errors: number;
}

/**
 * Requests that count against Discord's global budget (50/s per bot token), by kind. Interaction routes
 * (`/interactions/…` callbacks, `/webhooks/…` for the interaction's replies) are exempt and not counted here.
 */
export interface GlobalCounts {
  /** Thread creations (the gateway, one per answer placed in a thread). */
  thread: number;
  /** Message creates (the worker: each side's first message, overflow messages, a footer of its own). */
  create: number;
  /** Message edits (the worker's streaming and final edits; the gateway's header edit once a token expired). */
  edit: number;
  /** Everything else not exempt. */
  other: number;
  total: number;
}

/** REST traffic the bot sent the fake during a phase. */
export interface RequestCounts {
  /** Every REST request, 429s included. */
  total: number;
  /** PATCH /channels/:channel_id/messages/:message_id (live and final edits of output messages). */
  edits: number;
  /** POST /channels/:channel_id/messages (output messages and their overflow continuations). */
  creates: number;
  /** POST /channels/:channel_id/messages/:message_id/threads. */
  threads: number;
  /** POST /interactions/:id/:token/callback (acknowledgements). */
  callbacks: number;
  /** Requests to /webhooks/… (interaction replies: the header edits). */
  webhooks: number;
  /** 429s sent, and how many of them were global; by route. */
  rateLimited: number;
  rateLimitedGlobal: number;
  rateLimitedByRoute: Record<string, number>;
  /** Error responses other than 429 (status ≥ 400), by "status code route". */
  errors: Record<string, number>;
  /** What counted against the global budget. */
  global: GlobalCounts;
}

const THREAD_ROUTES = new Set([
  "POST /channels/:channel_id/messages/:message_id/threads",
  "POST /channels/:channel_id/threads",
]);

/** Whether Discord exempts a route from the global rate limit (interaction callbacks and webhooks). */
export function isExemptRoute(route: string | null, path: string): boolean {
  return (
    path.startsWith("/interactions/") || path.startsWith("/webhooks/") || (route?.includes(" /webhooks/") ?? false)
  );
}

function globalCounts(requests: readonly { route: string | null; path: string }[]): GlobalCounts {
  const counts: GlobalCounts = { thread: 0, create: 0, edit: 0, other: 0, total: 0 };
  for (const { route, path } of requests) {
    if (isExemptRoute(route, path)) continue;
    counts.total += 1;
    if (route !== null && THREAD_ROUTES.has(route)) counts.thread += 1;
    else if (route === "POST /channels/:channel_id/messages") counts.create += 1;
    else if (route === "PATCH /channels/:channel_id/messages/:message_id") counts.edit += 1;
    else counts.other += 1;
  }
  return counts;
}

/** `counts` per answer (divided by `answers`), to two decimals. */
export function perAnswer(counts: GlobalCounts, answers: number): GlobalCounts {
  const each = (x: number) => (answers > 0 ? Math.round((x / answers) * 100) / 100 : 0);
  return {
    thread: each(counts.thread),
    create: each(counts.create),
    edit: each(counts.edit),
    other: each(counts.other),
    total: each(counts.total),
  };
}

/**
 * Resolves once the fake has received no request for `quietMs` (at most after `maxMs`): what an answer sends after
 * its final edit (the header losing its Stop button) then belongs to its own phase.
 */
export async function waitForQuiet(fake: FakeDiscord, quietMs = 300, maxMs = 3_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const last = fake.requests.at(-1)?.at ?? 0;
    const idle = Date.now() - last;
    if (idle >= quietMs || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(quietMs - idle, deadline - Date.now()) + 5));
  }
}

/** Where the fake's logs stand now. */
export function markRequests(fake: FakeDiscord): RequestMark {
  return { requests: fake.requests.length, rateLimitHits: fake.rateLimitHits.length, errors: fake.errors.length };
}

const tally = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Counts the requests, 429s and errors logged since `mark`. */
export function countRequestsSince(fake: FakeDiscord, mark: RequestMark): RequestCounts {
  const requests = fake.requests.slice(mark.requests);
  const hits = fake.rateLimitHits.slice(mark.rateLimitHits);
  const is = (route: string) => requests.filter((r) => r.route === route).length;
  const rateLimitedByRoute: Record<string, number> = {};
  for (const hit of hits) tally(rateLimitedByRoute, hit.route);
  const errors: Record<string, number> = {};
  for (const error of fake.errors.slice(mark.errors)) tally(errors, `${error.status} ${error.code} ${error.method}`);
  return {
    total: requests.length,
    edits: is("PATCH /channels/:channel_id/messages/:message_id"),
    creates: is("POST /channels/:channel_id/messages"),
    threads: is("POST /channels/:channel_id/messages/:message_id/threads"),
    callbacks: is("POST /interactions/:interaction_id/:interaction_token/callback"),
    webhooks: requests.filter((r) => r.route?.includes("/webhooks/") === true).length,
    rateLimited: hits.length,
    rateLimitedGlobal: hits.filter((h) => h.global).length,
    rateLimitedByRoute,
    errors,
    global: globalCounts(requests),
  };
}
