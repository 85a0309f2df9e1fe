import { afterEach, expect } from "vitest";
import { liveFakes } from "./fake-discord/rules.js";

/**
 * After every test that ran a fake Discord: Discord's rules held (see DiscordRules). A test that provokes an
 * error or a rate limit on purpose says so first, with `fake.rules.expectError(...)` or
 * `fake.rules.allowRateLimits(n)`. The fake's own tests break the rules on purpose and are not checked.
 */
afterEach(() => {
  if (/fake-discord\.test\.ts$/.test(expect.getState().testPath ?? "")) {
    liveFakes.clear();
    return;
  }
  const problems: string[] = [];
  for (const fake of [...liveFakes]) {
    problems.push(...fake.rules.check());
    if (fake.closed) liveFakes.delete(fake);
  }
  expect(problems, "Discord's rules broken in this test").toEqual([]);
});
