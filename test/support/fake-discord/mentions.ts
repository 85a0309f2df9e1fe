import { isObject } from "./json-guards.js";
import { embedText } from "./validate-embeds.js";
import type { FoundMention, JsonObject } from "./types.js";

const MENTION = /@everyone|@here|<@!?(\d{1,20})>|<@&(\d{1,20})>/g;

function scan(text: string, location: FoundMention["location"]): FoundMention[] {
  const out: FoundMention[] = [];
  for (const m of text.matchAll(MENTION)) {
    const raw = m[0];
    if (raw === "@everyone") out.push({ kind: "everyone", id: null, raw, location });
    else if (raw === "@here") out.push({ kind: "here", id: null, raw, location });
    else if (m[1] !== undefined) out.push({ kind: "user", id: m[1], raw, location });
    else if (m[2] !== undefined) out.push({ kind: "role", id: m[2], raw, location });
  }
  return out;
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Whether `allowed_mentions` lets a mention ping. Absent allowed_mentions is Discord's default
 * (everything parsed); present, only `parse` kinds and explicitly listed ids ping.
 */
export function mentionAllowed(mention: FoundMention, allowed: JsonObject | undefined): boolean {
  if (allowed === undefined) return true;
  const parse = listOf(allowed["parse"]);
  switch (mention.kind) {
    case "everyone":
    case "here":
      return parse.includes("everyone");
    case "user":
      return parse.includes("users") || listOf(allowed["users"]).includes(mention.id ?? "");
    case "role":
      return parse.includes("roles") || listOf(allowed["roles"]).includes(mention.id ?? "");
    case "replied_user":
      return allowed["replied_user"] === true;
  }
}

export interface MentionScanInput {
  content: string | undefined;
  embeds: readonly JsonObject[] | undefined;
  allowedMentions: JsonObject | undefined;
  /** Author of the referenced message when this is a reply (replied_user ping). */
  repliedUserId: string | null;
}

/** Mentions in content/embeds (and a reply ping) that allowed_mentions would let through. */
export function findPingingMentions(input: MentionScanInput): FoundMention[] {
  const found: FoundMention[] = [];
  if (input.content) found.push(...scan(input.content, "content"));
  for (const embed of input.embeds ?? []) {
    if (isObject(embed)) found.push(...scan(embedText(embed), "embed"));
  }
  if (input.repliedUserId !== null) {
    found.push({
      kind: "replied_user",
      id: input.repliedUserId,
      raw: `reply to <@${input.repliedUserId}>`,
      location: "reply",
    });
  }
  return found.filter((m) => mentionAllowed(m, input.allowedMentions));
}
