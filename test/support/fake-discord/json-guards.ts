import type { Json, JsonObject } from "./types.js";

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function arr(value: unknown): Json[] | undefined {
  return Array.isArray(value) ? (value as Json[]) : undefined;
}

/** Length in characters as Discord counts them (code points). */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Deep copy through JSON (drops undefined, like the wire does). */
export function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
