import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { acquireLease, limitText, releaseLease, type Limits } from "../../src/shared/store/limits.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
const fresh = () => {
  const prefix = uniquePrefix("limits");
  prefixes.push(prefix);
  return prefix;
};
const request = (userId: string, n: number, guildId: string | null = "g1") => ({
  userId,
  guildId,
  requestId: `ix-${userId}-${n}`,
});

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});
afterAll(() => redis.disconnect());

describe("per-user and per-guild limits (real Redis, one atomic script)", () => {
  const limits: Limits = { cooldownMs: 0, userMaxInFlight: 2, guildMaxInFlight: 3 };

  it("caps a user's requests in flight, atomically under a flood of 50 at once", async () => {
    const prefix = fresh();
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, (_, n) => acquireLease(redis, prefix, limits, request("u1", n))),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(2);
    const refused = verdicts.find((v) => !v.ok);
    expect(refused).toEqual({ ok: false, reason: "user" });
    if (refused && !refused.ok)
      expect(limitText(refused, limits)).toMatch(/already have 2 requests waiting or generating/);
  });

  it("frees an in-flight lease when a request ends", async () => {
    const prefix = fresh();
    await acquireLease(redis, prefix, limits, request("u1", 1));
    await acquireLease(redis, prefix, limits, request("u1", 2));
    expect((await acquireLease(redis, prefix, limits, request("u1", 3))).ok).toBe(false);
    await releaseLease(redis, prefix, request("u1", 1));
    expect((await acquireLease(redis, prefix, limits, request("u1", 3))).ok).toBe(true);
  });

  it("caps a guild across users, and leaves other guilds and DMs alone", async () => {
    const prefix = fresh();
    for (const user of ["a", "b", "c"])
      expect((await acquireLease(redis, prefix, limits, request(user, 1))).ok).toBe(true);
    expect(await acquireLease(redis, prefix, limits, request("d", 1))).toEqual({ ok: false, reason: "guild" });
    expect((await acquireLease(redis, prefix, limits, request("d", 2, "g2"))).ok).toBe(true);
    expect((await acquireLease(redis, prefix, limits, request("e", 1, null))).ok).toBe(true);
  });

  it("makes a user wait out the cooldown and says for how long", async () => {
    const prefix = fresh();
    const withCooldown = { ...limits, cooldownMs: 30_000 };
    expect((await acquireLease(redis, prefix, withCooldown, request("u1", 1))).ok).toBe(true);
    const second = await acquireLease(redis, prefix, withCooldown, request("u1", 2));
    expect(second).toMatchObject({ ok: false, reason: "cooldown" });
    if (!second.ok && second.reason === "cooldown") {
      expect(second.retryAfterMs).toBeGreaterThan(29_000);
      expect(limitText(second, withCooldown)).toBe("Slow down a little: you can send another request in 30 s.");
    }
    expect((await acquireLease(redis, prefix, withCooldown, request("u2", 1))).ok).toBe(true);
  });
});
