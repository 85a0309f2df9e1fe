import { describe, expect, it } from "vitest";
import { checkAllowlist } from "../../src/gateway/allowlist.js";
import { loadConfig } from "../../src/shared/config.js";

const place = { inGuild: true, channelId: "100000000000000001", parentId: null, roleIds: ["200000000000000001"] };

describe("checkAllowlist", () => {
  it("allows everything when no list is set", () => {
    expect(() =>
      checkAllowlist({ channelIds: [], roleIds: [] }, { ...place, inGuild: false, roleIds: [] }),
    ).not.toThrow();
  });

  it("allows listed channels and threads under them, and names the channels otherwise", () => {
    const allow = { channelIds: ["100000000000000001"], roleIds: [] };
    expect(() => checkAllowlist(allow, place)).not.toThrow();
    expect(() =>
      checkAllowlist(allow, { ...place, channelId: "300000000000000001", parentId: "100000000000000001" }),
    ).not.toThrow();
    expect(() => checkAllowlist(allow, { ...place, channelId: "300000000000000001" })).toThrow(
      "This bot answers only in <#100000000000000001>.",
    );
  });

  it("allows members with a listed role, refuses others and DMs", () => {
    const allow = { channelIds: [], roleIds: ["200000000000000001", "200000000000000002"] };
    expect(() => checkAllowlist(allow, place)).not.toThrow();
    expect(() => checkAllowlist(allow, { ...place, roleIds: [] })).toThrow(
      /<@&200000000000000001>, <@&200000000000000002>/,
    );
    expect(() => checkAllowlist(allow, { ...place, inGuild: false, roleIds: [] })).toThrow(/can't come from DMs/);
  });

  it("reads the lists from configuration and rejects malformed ones", () => {
    const config = loadConfig({
      ALLOWED_CHANNEL_IDS: " 100000000000000001, 100000000000000002 ",
      ALLOWED_ROLE_IDS: "",
    });
    expect(config.allow).toEqual({ channelIds: ["100000000000000001", "100000000000000002"], roleIds: [] });
    expect(() => loadConfig({ ALLOWED_ROLE_IDS: "admins" })).toThrow(
      /ALLOWED_ROLE_IDS: expected Discord ids separated by commas/,
    );
  });
});
