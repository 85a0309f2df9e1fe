import type { Allowlist } from "../shared/config.js";
import { UserError } from "../shared/errors.js";

export interface RequestPlace {
  inGuild: boolean;
  channelId: string;
  /** The parent channel when the command comes from a thread, if known. */
  parentId: string | null;
  /** The member's role ids (empty in DMs). */
  roleIds: readonly string[];
}

/**
 * Throws a {@link UserError} naming the allowed channels or roles when the request comes from elsewhere.
 * With a role allowlist, DMs are refused: roles exist only in a server.
 */
export function checkAllowlist(allow: Allowlist, place: RequestPlace): void {
  if (allow.channelIds.length > 0) {
    const allowed = [place.channelId, place.parentId].some((id) => id !== null && allow.channelIds.includes(id));
    if (!allowed) {
      const where = allow.channelIds.map((id) => `<#${id}>`).join(", ");
      throw new UserError(`This bot answers only in ${where}.`);
    }
  }
  if (allow.roleIds.length > 0) {
    if (!place.inGuild)
      throw new UserError("On this bot, requests need a role in its server, so they can't come from DMs.");
    if (!place.roleIds.some((id) => allow.roleIds.includes(id))) {
      const roles = allow.roleIds.map((id) => `<@&${id}>`).join(", ");
      throw new UserError(`This bot answers members with one of these roles: ${roles}.`);
    }
  }
}
