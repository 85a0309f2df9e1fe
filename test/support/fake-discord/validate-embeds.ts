import type { FormErrors } from "./api-error.js";
import { charLength, isObject, num, str } from "./json-guards.js";
import type { Json } from "./types.js";

const MAX_TOTAL = 6000;

function checkUrl(errors: FormErrors, path: Array<string | number>, value: unknown, allowAttachment: boolean): void {
  if (value === undefined || value === null) return;
  const text = str(value);
  const ok =
    text !== undefined &&
    ((allowAttachment && text.startsWith("attachment://")) || /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(text));
  if (!ok) errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.");
}

function checkText(
  errors: FormErrors,
  path: Array<string | number>,
  value: unknown,
  max: number,
  required: boolean,
): number {
  if (value === undefined || value === null) {
    if (required) errors.required(path);
    return 0;
  }
  const text = str(value);
  if (text === undefined) {
    errors.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.");
    return 0;
  }
  const len = charLength(text);
  if (required && text.trim() === "") errors.required(path);
  if (len > max) errors.maxLength(path, max);
  return len;
}

/**
 * Validates `embeds` per https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 * and returns nothing; problems go into `errors` under `embeds`.
 */
export function validateEmbeds(errors: FormErrors, embeds: Json[]): void {
  if (embeds.length > 10) errors.maxLength(["embeds"], 10);
  let total = 0;
  embeds.forEach((embed, i) => {
    const p = ["embeds", i];
    if (!isObject(embed)) {
      errors.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
      return;
    }
    total += checkText(errors, [...p, "title"], embed["title"], 256, false);
    total += checkText(errors, [...p, "description"], embed["description"], 4096, false);
    checkUrl(errors, [...p, "url"], embed["url"], false);
    const color = embed["color"];
    if (color !== undefined && color !== null) {
      const c = num(color);
      if (c === undefined || !Number.isInteger(c) || c < 0 || c > 0xffffff) {
        errors.add([...p, "color"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.");
      }
    }
    const ts = embed["timestamp"];
    if (ts !== undefined && ts !== null && (typeof ts !== "string" || Number.isNaN(Date.parse(ts)))) {
      errors.add([...p, "timestamp"], "DATE_TYPE_PARSE", `Could not parse ${JSON.stringify(ts)}. Should be ISO8601.`);
    }
    const footer = embed["footer"];
    if (isObject(footer)) {
      total += checkText(errors, [...p, "footer", "text"], footer["text"], 2048, true);
      checkUrl(errors, [...p, "footer", "icon_url"], footer["icon_url"], true);
    }
    const author = embed["author"];
    if (isObject(author)) {
      total += checkText(errors, [...p, "author", "name"], author["name"], 256, true);
      checkUrl(errors, [...p, "author", "url"], author["url"], false);
      checkUrl(errors, [...p, "author", "icon_url"], author["icon_url"], true);
    }
    for (const key of ["image", "thumbnail"] as const) {
      const media = embed[key];
      if (isObject(media)) checkUrl(errors, [...p, key, "url"], media["url"], true);
    }
    const fields = embed["fields"];
    if (Array.isArray(fields)) {
      if (fields.length > 25) errors.maxLength([...p, "fields"], 25);
      fields.forEach((field, j) => {
        const fp = [...p, "fields", j];
        if (!isObject(field)) {
          errors.add(fp, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
          return;
        }
        total += checkText(errors, [...fp, "name"], field["name"], 256, true);
        total += checkText(errors, [...fp, "value"], field["value"], 1024, true);
      });
    }
  });
  if (total > MAX_TOTAL) {
    errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", `Embed size exceeds maximum size of ${MAX_TOTAL}`);
  }
}

/** Text of an embed that could contain mentions (title, description, fields, footer, author). */
export function embedText(embed: Json): string {
  if (!isObject(embed)) return "";
  const parts: string[] = [];
  for (const key of ["title", "description"]) {
    const v = str(embed[key]);
    if (v) parts.push(v);
  }
  const fields = embed["fields"];
  if (Array.isArray(fields)) {
    for (const f of fields) {
      if (isObject(f)) parts.push(str(f["name"]) ?? "", str(f["value"]) ?? "");
    }
  }
  const footer = embed["footer"];
  if (isObject(footer)) parts.push(str(footer["text"]) ?? "");
  const author = embed["author"];
  if (isObject(author)) parts.push(str(author["name"]) ?? "");
  return parts.join("\n");
}
