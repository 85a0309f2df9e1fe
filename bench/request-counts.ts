import type { FakeDiscord } from "../test/support/fake-discord/index.js";

/** Positions in the fake's live logs, taken at the start of a phase. */
export interface RequestMark {
  requests: number;
  rateLimitHits: number;
  errors: number;
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
  };
}
