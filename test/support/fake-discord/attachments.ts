import { createHash } from "node:crypto";
import { errors, FormErrors } from "./api-error.js";
import { charLength, isObject, str } from "./json-guards.js";
import { nextSnowflake, snowflakeTime } from "./snowflake.js";
import type { FakeContext } from "./state.js";
import type { AttachmentRecord, JsonObject, UploadedFile } from "./types.js";

/** Discord's per-message attachment limit. */
export const MAX_ATTACHMENTS = 10;

/** The snowflake placeholder `n` of a file part ("files[3]" → "3"); unnumbered parts count by position. */
export function fileIndex(file: UploadedFile, position: number): string {
  const m = /(\d+)/.exec(file.field);
  return m ? String(Number(m[1])) : String(position);
}

/** 413 40005 "Request entity too large" when one file or the whole upload is over the limits. */
export function checkUploadSize(ctx: FakeContext, files: readonly UploadedFile[]): void {
  let total = 0;
  for (const f of files) {
    if (f.size > ctx.options.attachmentSizeLimit) throw errors.entityTooLarge();
    total += f.size;
  }
  if (total > ctx.options.uploadRequestLimit) throw errors.entityTooLarge();
}

interface Sniffed {
  type: string;
  width: number | null;
  height: number | null;
}

function jpegSize(data: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1] ?? 0;
    const length = data.readUInt16BE(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: data.readUInt16BE(i + 5), width: data.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return null;
}

/** Content type and dimensions from an image's header (PNG's IHDR, GIF, JPEG's SOF, WebP VP8X). */
export function sniffImage(data: Buffer): Sniffed | null {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (data.length >= 24 && data.subarray(0, 8).equals(png) && data.toString("latin1", 12, 16) === "IHDR") {
    return { type: "image/png", width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  }
  if (data.length >= 10 && /^GIF8[79]a$/.test(data.toString("latin1", 0, 6))) {
    return { type: "image/gif", width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    const size = jpegSize(data);
    return { type: "image/jpeg", width: size?.width ?? null, height: size?.height ?? null };
  }
  if (data.length >= 16 && data.toString("latin1", 0, 4) === "RIFF" && data.toString("latin1", 8, 12) === "WEBP") {
    const vp8x = data.length >= 30 && data.toString("latin1", 12, 16) === "VP8X";
    return {
      type: "image/webp",
      width: vp8x ? 1 + data.readUIntLE(24, 3) : null,
      height: vp8x ? 1 + data.readUIntLE(27, 3) : null,
    };
  }
  return null;
}

const BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  json: "application/json",
  pdf: "application/pdf",
  zip: "application/zip",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  mp4: "video/mp4",
};

function withCharset(type: string): string {
  const textual = type.startsWith("text/") || type === "application/json";
  return textual && !/;\s*charset=/i.test(type) ? `${type}; charset=utf-8` : type;
}

/**
 * What Discord reports as content_type: the sniffed image type, else the declared part type, else
 * a guess from the extension (text types get "; charset=utf-8"), else null (field omitted).
 * "application/octet-stream" (what a Blob without a type becomes) only when nothing better is known.
 */
function contentTypeOf(file: UploadedFile, filename: string, sniffed: Sniffed | null): string | null {
  if (sniffed) return sniffed.type;
  const declared = file.contentType.trim().toLowerCase();
  if (declared !== "" && declared !== "application/octet-stream") return withCharset(declared);
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  const guessed = ext ? BY_EXTENSION[ext] : undefined;
  if (guessed) return withCharset(guessed);
  return declared === "" ? null : declared;
}

type Path = Array<string | number>;

function optionalText(form: FormErrors, path: Path, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    form.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.");
    return null;
  }
  if (charLength(value) > max) form.maxLength(path, max);
  return value;
}

function newAttachment(
  form: FormErrors,
  file: UploadedFile,
  meta: JsonObject | undefined,
  path: Path,
  now: number,
): AttachmentRecord {
  const given = meta ? optionalText(form, [...path, "filename"], meta["filename"], 1024) : null;
  const filename = given ?? file.name;
  if (filename.trim() === "") form.required([...path, "filename"]);
  const sniffed = sniffImage(file.data);
  return {
    id: nextSnowflake(now),
    filename,
    title: meta ? optionalText(form, [...path, "title"], meta["title"], 1024) : null,
    description: meta ? optionalText(form, [...path, "description"], meta["description"], 1024) : null,
    contentType: contentTypeOf(file, filename, sniffed),
    size: file.size,
    data: file.data,
    width: sniffed?.width ?? null,
    height: sniffed?.height ?? null,
  };
}

/**
 * The attachments a message ends up with, following Discord's rules for `files[n]` parts and the
 * `attachments` array of payload_json:
 * - create (`existing` null): every uploaded file is attached; an `attachments` entry whose `id` is
 *   `n` gives `files[n]` its filename/description; an entry naming no uploaded file is 50035
 *   ATTACHMENT_NOT_FOUND.
 * - edit without `attachments`: the old attachments stay and uploaded files are appended.
 * - edit with `attachments`: exactly the listed ones remain (existing ones by id, new ones by
 *   placeholder `n`), so `attachments: []` removes them all; unlisted uploads are dropped (API v10).
 * At most 10; each file ≤ attachmentSizeLimit and the request ≤ uploadRequestLimit (else 413 40005);
 * an empty filename is 50035 BASE_TYPE_REQUIRED.
 */
export function resolveAttachments(
  ctx: FakeContext,
  files: readonly UploadedFile[],
  listed: readonly JsonObject[] | undefined,
  existing: readonly AttachmentRecord[] | null,
): AttachmentRecord[] {
  checkUploadSize(ctx, files);
  const form = new FormErrors();
  if (files.length > MAX_ATTACHMENTS) form.maxLength(["attachments"], MAX_ATTACHMENTS);
  const byIndex = new Map<string, UploadedFile>();
  files.forEach((f, i) => {
    const n = fileIndex(f, i);
    if (!byIndex.has(n)) byIndex.set(n, f);
  });
  const now = Date.now();
  const result: AttachmentRecord[] = [];
  const used = new Set<UploadedFile>();
  if (existing !== null && listed === undefined) result.push(...existing);
  listed?.forEach((entry, i) => {
    const rawId = entry["id"];
    const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : undefined;
    if (id === undefined) return form.required(["attachments", i, "id"]);
    const file = byIndex.get(id);
    if (file && !used.has(file)) {
      used.add(file);
      result.push(newAttachment(form, file, entry, ["attachments", i], now));
      return;
    }
    const kept = existing?.find((a) => a.id === id);
    if (kept) {
      if (!result.includes(kept)) result.push(kept);
      return;
    }
    form.add(["attachments", i], "ATTACHMENT_NOT_FOUND", "Attachment data not found");
  });
  if (existing === null || listed === undefined) {
    files.forEach((f, i) => {
      if (!used.has(f)) result.push(newAttachment(form, f, undefined, [`files[${fileIndex(f, i)}]`], now));
    });
  }
  if (result.length > MAX_ATTACHMENTS && files.length <= MAX_ATTACHMENTS)
    form.maxLength(["attachments"], MAX_ATTACHMENTS);
  form.throwIfAny();
  return result;
}

/** Checks the `attachments` field's shape (a list of objects) for validateMessageBody. */
export function validateAttachmentList(form: FormErrors, value: unknown): JsonObject[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    form.add(["attachments"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    return undefined;
  }
  value.forEach((a, i) => {
    if (!isObject(a)) form.add(["attachments", i], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
  });
  return value.filter(isObject);
}

function signedQuery(id: string): string {
  const issued = Math.floor(snowflakeTime(id) / 1000);
  const hex = (n: number): string => n.toString(16);
  const hm = createHash("sha256").update(`fake-discord:${id}`).digest("hex");
  return `ex=${hex(issued + 86_400)}&is=${hex(issued)}&hm=${hm}&`;
}

/** CDN url of an attachment (signed like Discord's; ephemeral messages use ephemeral-attachments). */
export function attachmentUrl(channelId: string, a: AttachmentRecord, ephemeral: boolean, proxy = false): string {
  const host = proxy ? "https://media.discordapp.net" : "https://cdn.discordapp.com";
  const kind = ephemeral ? "ephemeral-attachments" : "attachments";
  return `${host}/${kind}/${channelId}/${a.id}/${encodeURIComponent(a.filename)}?${signedQuery(a.id)}`;
}

/** Attachment object as the API returns it. */
export function attachmentJson(channelId: string, a: AttachmentRecord, ephemeral: boolean): JsonObject {
  const json: JsonObject = { id: a.id, filename: a.filename };
  if (a.title !== null) json["title"] = a.title;
  if (a.description !== null) json["description"] = a.description;
  if (a.contentType !== null) json["content_type"] = a.contentType;
  json["size"] = a.size;
  json["url"] = attachmentUrl(channelId, a, ephemeral);
  json["proxy_url"] = attachmentUrl(channelId, a, ephemeral, true);
  if (a.width !== null && a.height !== null) {
    json["width"] = a.width;
    json["height"] = a.height;
  }
  if (ephemeral) json["ephemeral"] = true;
  return json;
}

const EMBED_MEDIA: ReadonlyArray<[string, string, string]> = [
  ["image", "url", "proxy_url"],
  ["thumbnail", "url", "proxy_url"],
  ["author", "icon_url", "proxy_icon_url"],
  ["footer", "icon_url", "proxy_icon_url"],
];

/** Filenames that embeds reference as `attachment://filename`. */
export function embeddedFilenames(embeds: readonly JsonObject[]): Set<string> {
  const names = new Set<string>();
  for (const embed of embeds) {
    for (const [key, field] of EMBED_MEDIA) {
      const part = embed[key];
      const url = isObject(part) ? str(part[field]) : undefined;
      if (url?.startsWith("attachment://")) names.add(url.slice("attachment://".length));
    }
  }
  return names;
}

/**
 * An embed with `attachment://filename` urls replaced by the attachment's CDN url (as Discord
 * returns it; the attachment then no longer appears in the message's `attachments`).
 */
export function resolveEmbedAttachments(
  embed: JsonObject,
  attachments: readonly AttachmentRecord[],
  channelId: string,
  ephemeral: boolean,
): JsonObject {
  let out = embed;
  for (const [key, field, proxyField] of EMBED_MEDIA) {
    const part = embed[key];
    const url = isObject(part) ? str(part[field]) : undefined;
    if (!isObject(part) || !url?.startsWith("attachment://")) continue;
    const a = attachments.find((x) => x.filename === url.slice("attachment://".length));
    if (!a) continue;
    const media: JsonObject = {
      ...part,
      [field]: attachmentUrl(channelId, a, ephemeral),
      [proxyField]: attachmentUrl(channelId, a, ephemeral, true),
    };
    if ((key === "image" || key === "thumbnail") && a.width !== null && a.height !== null) {
      Object.assign(media, { width: a.width, height: a.height });
      if (a.contentType !== null) media["content_type"] = a.contentType;
    }
    out = { ...out, [key]: media };
  }
  return out;
}
