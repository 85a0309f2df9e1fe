import { RESTEvents, type REST } from "discord.js";
import type { Counter } from "prom-client";

/** Counts every 429 Discord answers on `rest`, by route. */
export function countRateLimits(rest: REST, counter: Counter<"route">): void {
  rest.on(RESTEvents.Response, (request, response) => {
    if (response.status === 429) counter.inc({ route: request.route });
  });
}
