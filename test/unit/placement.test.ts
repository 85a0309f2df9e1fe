import { ChannelType, PermissionFlagsBits as P } from "discord.js";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/shared/errors.js";
import { choosePlacement } from "../../src/gateway/placement.js";

const all = P.ViewChannel | P.SendMessages | P.SendMessagesInThreads | P.CreatePublicThreads;

describe("choosePlacement", () => {
  it("opens a thread in a text channel where the bot may", () => {
    expect(choosePlacement({ inGuild: true, channelType: ChannelType.GuildText, appPermissions: all })).toEqual({
      mode: "thread",
    });
  });

  it("answers in place in a DM, inside a thread, and in a channel type without threads", () => {
    expect(choosePlacement({ inGuild: false, channelType: ChannelType.DM, appPermissions: 0n })).toMatchObject({
      mode: "inPlace",
      why: "dm",
    });
    expect(
      choosePlacement({ inGuild: true, channelType: ChannelType.PublicThread, appPermissions: all }),
    ).toMatchObject({ mode: "inPlace", why: "inThread" });
    expect(choosePlacement({ inGuild: true, channelType: ChannelType.GuildVoice, appPermissions: all })).toMatchObject({
      mode: "inPlace",
      why: "noThreads",
    });
  });

  it("answers in place where the bot may post but not open threads", () => {
    const perms = P.ViewChannel | P.SendMessages;
    expect(choosePlacement({ inGuild: true, channelType: ChannelType.GuildText, appPermissions: perms })).toMatchObject(
      { mode: "inPlace", why: "noPermission" },
    );
  });

  it("tells the user what is missing where the bot cannot post at all", () => {
    expect(() =>
      choosePlacement({ inGuild: true, channelType: ChannelType.GuildText, appPermissions: P.ViewChannel }),
    ).toThrow(UserError);
    expect(() =>
      choosePlacement({ inGuild: true, channelType: ChannelType.GuildText, appPermissions: P.ViewChannel }),
    ).toThrow(/Send Messages/);
    expect(() =>
      choosePlacement({ inGuild: true, channelType: ChannelType.PublicThread, appPermissions: P.ViewChannel }),
    ).toThrow(/Send Messages in Threads/);
  });
});

describe("choosePlacement without app_permissions", () => {
  it("tries a thread when the permissions are not known", () => {
    expect(choosePlacement({ inGuild: true, channelType: null, appPermissions: null })).toEqual({ mode: "thread" });
  });
});
